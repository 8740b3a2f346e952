// Secrets: examples/openstack-ceph (every resource kind that deals in keys: CephUser, KeyringFile,
// LibvirtCephSecret, on a real cluster and a real libvirt daemon) through up, refresh, preview --diff,
// a failing refresh and destroy, all with the engine's most verbose logging (-v=9 --logtostderr,
// --debug); ceph:key is given on stdin. No generated key, nor the admin key, nor the wrong key of the
// failing run, may appear in: the state files, any engine output or error, the argv of any process
// alive meanwhile (sampled from /proc every ~100 ms), or any file written meanwhile, except the
// files that must hold one (the keyrings, libvirt's secret store), which are mode 0600.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateCephxKey } from "../../provider/cephx";
import { repoRoot, startCluster, type TestCluster } from "../helpers/cluster";
import { startLibvirtd, type TestLibvirtd } from "../helpers/libvirtd";
import { createStack, type TestStack } from "../helpers/pulumi";
import { setSecretConfig, sleep, startCli } from "./harness";
import { record } from "./report";

jest.setTimeout(900_000);

const VERBOSE = ["-v=9", "--logtostderr", "--debug"];
const USERS = ["client.glance", "client.cinder", "client.cinder-backup"];

let cluster: TestCluster;
let libvirtd: TestLibvirtd;
let stack: TestStack;
let errStack: TestStack | undefined;
let etc: string;
const started = Date.now();
const argvSeen = new Set<string>();
let sampling = true;
let samples = 0;

/** Every distinct command line of every process, every ~100 ms, until stopped. */
async function sampleArgv(): Promise<void> {
  while (sampling) {
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        argvSeen.add(fs.readFileSync(`/proc/${entry}/cmdline`, "latin1"));
      } catch {
        // exited meanwhile
      }
    }
    samples++;
    await sleep(100);
  }
}

beforeAll(async () => {
  cluster = startCluster();
  libvirtd = startLibvirtd();
  etc = fs.mkdtempSync(path.join(os.tmpdir(), "faults-secrets-etc-"));
  for (const rel of ["cinder/cinder.conf", "nova/nova.conf", "glance/glance-api.conf"]) {
    fs.mkdirSync(path.dirname(path.join(etc, rel)), { recursive: true });
    fs.writeFileSync(path.join(etc, rel), "[DEFAULT]\n", { mode: 0o640 });
  }
  fs.mkdirSync(path.join(etc, "ceph"));
  stack = await createStack(path.join(repoRoot, "examples", "openstack-ceph"), "fault-secrets");
  await stack.setConfig("ceph:monHost", cluster.monHost);
  await stack.setConfig("ceph:entity", "client.admin");
  await stack.setConfig("ceph:retries", "0");
  await setSecretConfig(stack, "ceph:key", cluster.adminKey);
  await stack.setConfig("etcDir", etc);
  await stack.setConfig("libvirtUri", libvirtd.uri);
  await stack.setConfig("secretUuid", "7c1e5d9a-2b3f-4a6e-8d0c-1f2e3a4b5c6d");
});

afterAll(async () => {
  sampling = false;
  await errStack?.teardown();
  await stack?.teardown();
  libvirtd?.stop();
  cluster?.stop();
  if (etc) fs.rmSync(etc, { recursive: true, force: true });
});

/**
 * Pulumi's own log statements that print property values with `%v`, secret ones unwrapped (none
 * of them is this project's): the engine's gRPC property (un)marshaling (sdk/go/common/resource/
 * plugin/rpc.go: "Marshaling property for RPC[...]", "Unmarshaling property for RPC[...]"), its
 * step generator's inputs (pkg/resource/deploy/step_generator.go: "Planner decided [not] to ..."), and
 * the Node SDK's --debug message with the whole RegisterResource response
 * (@pulumi/pulumi/runtime/resource.js: "RegisterResource RPC finished"), shown by the CLI and
 * logged again by the engine as eventSink::Debug.
 */
const PULUMI_OWN: Array<[string, RegExp]> = [
  ["rpc.go MarshalProperties (-v=9)", /^Marshaling property for RPC\[/],
  ["rpc.go UnmarshalProperties (-v=9)", /^Unmarshaling property for RPC\[/],
  ["step_generator.go (-v=7)", /^Planner decided (not )?to /],
  ["runtime/resource.js log.debug (--debug), logged again by the engine (-v=9)", /^(eventSink::Debug\((<\{%reset%\}>)?)?RegisterResource RPC finished: /],
  ["runtime/resource.js log.debug (--debug)", /^(.*\s)?debug: RegisterResource RPC finished: /],
];

/**
 * Each line of a verbose run with the Pulumi statement it belongs to (or none): an engine log
 * record (one JSON line) by its message; a CLI line by the diagnostic it is part of, since a
 * message that holds a keyring goes on over several lines.
 */
function logRecords(output: string): Array<{ line: string; pulumis?: string }> {
  const match = (msg: string) => PULUMI_OWN.find(([, re]) => re.test(msg))?.[0];
  let diagnostic: string | undefined;
  return output.split("\n").map((line) => {
    if (/^\{"time":/.test(line)) {
      try {
        return { line, pulumis: match(String(JSON.parse(line).msg)) };
      } catch {
        return { line };
      }
    }
    // A diagnostic, a resource row, a heading or a blank line starts a record; any other line goes
    // on with the last (a keyring's lines in a message that quotes it).
    if (/^\s*(debug|info|warning|error): |^\s*[+~-]{0,2}\s*pulumi[\w-]*:|^[A-Z][\w ]*( \(.*\))?:|^\s*$/.test(line)) diagnostic = match(line.trim());
    return { line, pulumis: diagnostic };
  });
}

/** Files under `root` modified since the test started (not following links; big files and Ceph's own store skipped). */
function writtenFiles(root: string, skip: string[], depth = 8): string[] {
  const out: string[] = [];
  const walk = (dir: string, d: number) => {
    if (d > depth || skip.some((s) => dir === s || dir.startsWith(s + path.sep))) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, d + 1);
      else if (e.isFile()) {
        try {
          const st = fs.statSync(p);
          if (st.mtimeMs >= started - 1000 && st.size < 32 * 2 ** 20) out.push(p);
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  walk(root, 0);
  return out;
}

test("no key in state, engine output, errors, argv or files written (verbose logging, every key-holding resource)", async () => {
  const sampler = sampleArgv();
  // Plain runs print what a user sees; verbose runs add the engine's -v=9 log and the SDK's debug log.
  const outputs: string[] = [];
  const verboseOutputs: string[] = [];
  const run = async (args: string[], expectFailure = false, verbose = true) => {
    const r = await startCli(stack, [...args, ...(verbose ? VERBOSE : [])], 600_000).done;
    (verbose ? verboseOutputs : outputs).push(r.stdout, r.stderr);
    if (expectFailure) expect(r.code).not.toBe(0);
    else if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    return r;
  };
  await run(["up", "--yes", "--skip-preview"], false, false);
  const generated: string[] = [];
  for (const u of USERS) generated.push((await cluster.cephJson("auth", "get", u))[0].key);
  expect(new Set(generated).size).toBe(3);
  // The keyring files hold the keys, mode 0600; the libvirt secret holds cinder's.
  const keyrings = USERS.map((u) => path.join(etc, "ceph", `ceph.${u}.keyring`));
  keyrings.forEach((k, i) => {
    expect(fs.readFileSync(k, "utf8")).toContain(generated[i]);
    expect(fs.statSync(k).mode & 0o777).toBe(0o600);
  });
  const leftOnDisk = new Map(keyrings.map((k) => [k, fs.readFileSync(k, "utf8")]));
  await run(["refresh", "--yes", "--skip-preview"]);
  await run(["preview", "--diff"]);
  await run(["refresh", "--yes", "--skip-preview"], false, false);
  await run(["preview", "--diff"], false, false);
  // Errors on the way, from a second stack: a wrong admin key (the cluster refuses it), then an
  // import of client.cinder declaring another key than the cluster's. Neither key may be echoed.
  const wrongKey = generateCephxKey();
  const chosenKey = generateCephxKey();
  errStack = await createStack(path.join(repoRoot, "test", "programs", "ceph-resources"), "fault-secrets-err");
  await errStack.setConfig("ceph:monHost", cluster.monHost);
  await errStack.setConfig("ceph:retries", "0");
  await setSecretConfig(errStack, "ceph:key", wrongKey);
  await setSecretConfig(errStack, "userKey", chosenKey);
  await errStack.setSpec({ users: [{ resource: "leak", entity: "client.leak", keyConfig: "userKey", rbdPools: ["volumes"] }] });
  const errors: string[] = [];
  const failing = async (verbose: boolean) => {
    const r = await startCli(errStack!, ["up", "--yes", "--skip-preview", ...(verbose ? VERBOSE : [])], 600_000).done;
    (verbose ? verboseOutputs : outputs).push(r.stdout, r.stderr);
    expect(r.code).not.toBe(0);
    // The diagnostics the user sees (not the engine's own -v log records, which quote everything).
    const diagnostics = (r.stdout + r.stderr).split("\n").filter((l) => /error: .*ceph cluster/.test(l) && !/^\s*\{"time":/.test(l));
    errors.push(...diagnostics.map((l) => l.trim()));
  };
  await failing(false);
  await failing(true);
  await setSecretConfig(errStack, "ceph:key", cluster.adminKey);
  await errStack.setSpec({ users: [{ resource: "cinder", entity: "client.cinder", import: "client.cinder", keyConfig: "userKey", rbdPools: ["volumes"] }] });
  await failing(false);
  await failing(true);
  expect(errors.length).toBeGreaterThanOrEqual(2);
  const errorText = errors;
  await run(["destroy", "--yes", "--skip-preview"]);
  sampling = false;
  await sampler;
  expect(samples).toBeGreaterThan(50);

  const keys = [cluster.adminKey, ...generated, wrongKey, chosenKey];
  const hits: string[] = [];
  const look = (where: string, text: string) => {
    for (const k of keys) if (text.includes(k)) hits.push(`${where}: key ${keys.indexOf(k)}`);
  };
  look("state files", stack.stateText() + errStack.stateText());
  outputs.forEach((o, i) => look(`engine output ${i}`, o));
  // Every error message, verbose runs included.
  errors.forEach((e, i) => look(`error message ${i}`, e));
  // Verbose runs: every hit must sit in one of Pulumi's own log statements that print property
  // values as they are, secrets included; any other line with a key fails the test.
  const verboseLines: string[] = [];
  verboseOutputs.forEach((o, i) => {
    for (const { line, pulumis } of logRecords(o)) {
      if (!keys.some((k) => line.includes(k))) continue;
      if (pulumis) verboseLines.push(pulumis);
      else look(`verbose engine output ${i}`, line);
    }
  });
  const byStatement = [...new Set(verboseLines)].map((w) => `${w}: ${verboseLines.filter((v) => v === w).length}`);
  for (const argv of argvSeen) look(`argv ${argv.split("\0").slice(0, 3).join(" ")}`, argv);
  // Files written meanwhile: anywhere under the temp dir and the program, but Ceph's own store.
  const files = [...writtenFiles(os.tmpdir(), [cluster.dir]), ...writtenFiles(stack.programDir, [path.join(stack.programDir, "node_modules")])];
  const mustHoldKeys: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, "latin1");
    } catch {
      continue;
    }
    if (!keys.some((k) => text.includes(k))) continue;
    // libvirt's own secret store keeps the value (base64), as it must to hand it to QEMU.
    if (f.startsWith(libvirtd.dir + path.sep) && /\/secrets\/[0-9a-f-]+\.base64$/.test(f)) {
      mustHoldKeys.push(f);
      expect(fs.statSync(f).mode & 0o077).toBe(0);
      continue;
    }
    hits.push(`file ${f}`);
  }
  if (hits.length > 0) {
    // Where each hit was, for whoever reads the failure: the outputs, keys masked.
    const dump = fs.mkdtempSync(path.join(os.tmpdir(), "faults-secrets-hits-"));
    [...outputs, ...verboseOutputs].forEach((o, i) => {
      let masked = o;
      keys.forEach((k, j) => (masked = masked.split(k).join(`<KEY${j}>`)));
      fs.writeFileSync(path.join(dump, `output-${i}.txt`), masked);
    });
    console.log(`secret hits; outputs (keys masked as <KEYn>) in ${dump}`);
  }
  expect(hits).toEqual([]);
  // Destroy removed the keyrings it wrote.
  for (const k of leftOnDisk.keys()) expect(fs.existsSync(k)).toBe(false);
  record(__filename, {
    fault: "secrets under verbose logging",
    how: "examples/openstack-ceph: up, refresh, preview --diff (plain and with -v=9 --logtostderr --debug), destroy (verbose); two failing ups, plain and verbose (a wrong ceph:key; an import of client.cinder declaring another key); ceph:key on stdin",
    leftInCeph: `${keys.length} keys looked for (admin, 3 generated, a wrong one, a declared one) in ${stack.stateText().length} bytes of state, ${outputs.reduce((n, o) => n + o.length, 0)} bytes of plain engine output, ${errors.length} error lines, ${argvSeen.size} distinct argv over ${samples} samples, ${files.length} files written: 0 hits`,
    errorText: `${errorText.join("\n")}`,
    leftInState: `verbose log records that print a key, all Pulumi's own statements (${byStatement.join("; ")}); files that hold a key: 3 keyrings (0600, removed by destroy)${mustHoldKeys.length ? `, libvirt's secret store (${mustHoldKeys.length} file(s), 0600)` : ""}`,
    recovery: "none needed",
  });
});
