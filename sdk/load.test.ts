// What a program pays to load the SDK, at every `pulumi up`, `preview` and `destroy`: the
// resource classes only. zod (about 80 ms to load) validates in the provider host; the SDK loads
// it only for what it checks itself (OpenStackCephBackend's replica names), when used.
import { execFileSync } from "child_process";
import * as path from "path";

const sdk = path.resolve(__dirname, "..", "dist", "sdk", "index.js");

/** Runs `script` in a fresh node: the zod modules it loaded, and what it printed. */
function run(script: string): { zod: string[]; printed: string } {
  const out = execFileSync(process.execPath, ["-e", `let printed="";${script};process.stdout.write(JSON.stringify({ modules: Object.keys(require.cache), printed }))`], { encoding: "utf8" });
  const { modules, printed } = JSON.parse(out) as { modules: string[]; printed: string };
  return { zod: modules.filter((m) => m.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)), printed };
}

test("loading the SDK and describing a cluster does not load zod", () => {
  const r = run(`const ceph=require(${JSON.stringify(sdk)}); new ceph.CephCluster({ conf: "/etc/ceph/ceph.conf" })`);
  expect(r.zod).toEqual([]);
});

test("zod loads when a replica's names are checked, and the check still refuses a bad one", () => {
  const script =
    `const ceph=require(${JSON.stringify(sdk)});const c=new ceph.CephCluster({ conf: "/etc/ceph/ceph.conf" });` +
    `try{new ceph.OpenStackCephBackend("b",{cluster:c,siteName:"a",replica:{cluster:c,siteName:"ceph"}})}catch(e){printed=e.message}`;
  const r = run(script);
  expect(r.zod.length).toBeGreaterThan(0);
  expect(r.printed).toContain('replica.siteName: must not be "ceph": librbd refuses a mirroring peer of that site name');
});
