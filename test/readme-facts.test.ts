// README facts about set-up, the toolchain, the layout and the throwaway cluster, checked against
// the machine and the repository as they are (each fails if the README stops being true).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { alive } from "./helpers/wait";

jest.setTimeout(120_000);
const read = (rel: string) => fs.readFileSync(path.join(repoRoot, rel), "utf8");
const readme = read("README.md");
const sh = (script: string) => execFileSync("bash", ["-c", script], { cwd: repoRoot, encoding: "utf8" });

test("setup installs the Debian packages the README lists, and they are installed", () => {
  const bullet = /^1\. Debian packages:[^]*?(?=^2\. )/m.exec(readme)![0];
  const listed = [...bullet.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1].split(/\s+/));
  expect(listed).toEqual(expect.arrayContaining(["ceph-mon", "ceph-common", "librbd-dev", "libvirt-daemon", "python3-oslo.config"]));
  const apt = /APT_PACKAGES=\(([^)]*)\)/s.exec(read("scripts/setup.sh"))![1].split(/\s+/).filter(Boolean);
  expect(apt).toEqual(expect.arrayContaining(listed));
  for (const p of apt) expect(sh(`dpkg-query -W -f='\${Status}' ${p}`)).toBe("install ok installed");
});

test("the Pulumi CLI is v3.248.0, @pulumi/pulumi is pinned to it, and the CLI's go.mod repeats pkg's replace", () => {
  expect(sh(". scripts/env.sh && pulumi version").trim()).toBe("v3.248.0");
  expect(JSON.parse(read("package.json")).dependencies["@pulumi/pulumi"]).toBe("3.248.0");
  expect(JSON.parse(read("package-lock.json")).packages["node_modules/@pulumi/pulumi"].version).toBe("3.248.0");
  const gomod = read("tools/pulumi/go.mod");
  expect(gomod).toMatch(/^\tgithub\.com\/pulumi\/pulumi\/pkg\/v3 v3\.248\.0\b/m);
  expect(gomod).toMatch(/^replace github\.com\/atotto\/clipboard => /m);
  expect(read("tools/pulumi-language-nodejs/go.mod")).toMatch(/^\tgithub\.com\/pulumi\/pulumi\/sdk\/v3 v3\.68\.0\b/m);
  expect(fs.existsSync(path.join(repoRoot, ".tools", "bin", "pulumi-resource-pulumi-nodejs"))).toBe(true);
});

test("Pulumi runs fully local: no update checks, no plugin downloads (scripts/env.sh)", () => {
  const env = sh(". scripts/env.sh && env");
  expect(env).toMatch(/^PULUMI_SKIP_UPDATE_CHECK=true$/m);
  expect(env).toMatch(/^PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true$/m);
  expect(env).toMatch(new RegExp(`^PATH=${repoRoot.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\.tools/bin:`, "m"));
  // The project's own PULUMI_HOME, where set-up installs the Go-built plugins and the tests look,
  // even when the environment names another.
  expect(sh('export PULUMI_HOME=/elsewhere && . scripts/env.sh && echo "$PULUMI_HOME"').trim()).toBe(path.join(repoRoot, ".tools", "pulumi-home"));
});

test("provider and addon code never shell out to ceph or rbd; the ini package is not a dependency", () => {
  const sources = sh("git ls-files 'provider/*.ts' 'native/*.ts' 'sdk/*.ts' ':!*.test.ts' ':!native/testing.ts'").split("\n").filter(Boolean);
  expect(sources.length).toBeGreaterThan(20);
  const spawning = sources.filter((f) => /child_process/.test(read(f)));
  // The only child process is virsh, for the libvirt secret.
  expect(spawning).toEqual(["provider/libvirt/virsh.ts"]);
  expect(read("provider/libvirt/virsh.ts")).not.toMatch(/["'](ceph|rbd|rados)["']/);
  const pkg = JSON.parse(read("package.json"));
  expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })).not.toContain("ini");
});

test("the layout table names paths that exist", () => {
  const rows = [...readme.matchAll(/^\| `([a-z]+\/)` \|/gm)].map((m) => m[1]);
  expect(rows).toEqual(["sdk/", "provider/", "native/", "examples/", "bin/", "scripts/", "tools/", "test/", "bench/"]);
  for (const dir of rows) expect(fs.statSync(path.join(repoRoot, dir)).isDirectory()).toBe(true);
  for (const f of ["examples/quickstart/index.ts", "examples/openstack-ceph/index.ts", "examples/pipeline/drift-gate.yml", "bin/ceph-drift.ts", "scripts/ceph-cluster.sh"]) {
    expect(fs.existsSync(path.join(repoRoot, f))).toBe(true);
  }
});

test("the drift-gate pipeline previews every change and fails nightly on drift with ceph-drift", () => {
  const yml = read("examples/pipeline/drift-gate.yml");
  expect(yml).toMatch(/pull_request:/);
  expect(yml).toMatch(/pulumi preview --stack "\$STACK"/);
  expect(yml).toMatch(/schedule:\n\s+- cron: /);
  // The gate keeps drift.json whatever the outcome and fails with ceph-drift's exit code.
  expect(yml).toMatch(/npx ceph-drift --cwd \.\.\/\.\. --stack "\$STACK" --unmanaged --junit \.\.\/\.\.\/drift\.xml --json\) > drift\.json \|\| status=\$\?/);
  expect(yml).toMatch(/exit \$status/);
});

test("npm test is what .ci/run calls, and runs set-up before jest", () => {
  expect(read(".ci/run")).toMatch(/^npm test$/m);
  expect(JSON.parse(read("package.json")).scripts.test).toBe("bash scripts/test.sh");
  const script = read("scripts/test.sh");
  expect(script.indexOf("bash scripts/setup.sh")).toBeGreaterThan(-1);
  expect(script.indexOf("bash scripts/setup.sh")).toBeLessThan(script.indexOf("npx jest"));
  expect(script).toContain('console.log(`jest: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed`');
});

describe("scripts/ceph-cluster.sh", () => {
  let a: TestCluster;
  let b: TestCluster;
  beforeAll(() => {
    a = startCluster();
    b = startCluster();
  });
  afterAll(() => {
    a?.stop();
    b?.stop();
  });

  test("one msgr-v2 mon on loopback, one mgr, one memstore OSD, cephx, pool size 1, deletion allowed, 20 ms paxos", async () => {
    const mons = (await a.cephJson("mon", "dump")).mons;
    expect(mons).toHaveLength(1);
    expect(mons[0].public_addrs.addrvec.map((x: any) => x.type)).toEqual(["v2"]);
    expect(mons[0].public_addrs.addrvec[0].addr).toMatch(/^127\.0\.0\.1:\d+$/);
    // The mgr registers with the mon a moment after start.
    let mgr = await a.cephJson("mgr", "dump");
    for (let i = 0; i < 150 && mgr.active_name !== "x"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      mgr = await a.cephJson("mgr", "dump");
    }
    expect(mgr.active_name).toBe("x");
    const osds = await a.cephJson("osd", "metadata");
    expect(osds.map((o: any) => o.osd_objectstore)).toEqual(["memstore"]);
    const mon = await a.daemonCommand("mon.a", "config", "show");
    expect(mon.auth_cluster_required).toBe("cephx");
    expect(mon.osd_pool_default_size).toBe("1");
    expect(mon.mon_allow_pool_delete).toBe("true");
    expect(Number(mon.paxos_propose_interval)).toBe(0.02);
  });

  test("two clusters run side by side; stop kills exactly that cluster's daemons and removes its dir", async () => {
    expect(a.monHost).not.toBe(b.monHost);
    expect(a.fsid).not.toBe(b.fsid);
    const pids = (["mon.a", "mgr.x", "osd.0"] as const).map((d) => a.daemonPid(d));
    const otherPid = b.daemonPid("mon.a");
    a.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(fs.existsSync(a.dir)).toBe(false);
    expect(alive(otherPid)).toBe(true);
    expect((await b.cephJson("osd", "pool", "ls"))).toEqual(expect.any(Array));
  });
});

test("ceph-drift exits 2 when the preview itself fails (here: no such stack), naming the failure", () => {
  const backend = fs.mkdtempSync(path.join(require("os").tmpdir(), "drift-backend-"));
  try {
    const r = require("child_process").spawnSync("node", [path.join(repoRoot, "dist", "bin", "ceph-drift.js"), "--stack", "no-such-stack", "--cwd", path.join(repoRoot, "examples", "quickstart")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.join(repoRoot, ".tools", "bin")}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "x", PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_HOME: path.join(repoRoot, ".tools", "pulumi-home") },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ceph-drift: pulumi preview --refresh failed \(exit \d+\):\nerror: no stack named 'no-such-stack' found/);
  } finally {
    fs.rmSync(backend, { recursive: true, force: true });
  }
});
