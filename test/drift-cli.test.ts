// ceph-drift as a command: exit 2 whenever the check itself fails (pulumi failing without
// diagnostics, hanging past the time limit, bad arguments), and the bin working when installed from
// the packed tarball into a program that depends on the package (what `npx ceph-drift` runs).
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./helpers/cluster";
import { createStack } from "./helpers/pulumi";

jest.setTimeout(600_000);

const bin = path.join(repoRoot, "dist", "bin", "ceph-drift.js");
let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ceph-drift-cli-"));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(file, args, { cwd: opts.cwd ?? scratch, env: opts.env ?? process.env, encoding: "utf8", timeout: 300_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0, stdout, stderr }),
    ),
  );
}

/** A stand-in for the pulumi CLI that behaves as the script says. */
function fakePulumi(name: string, script: string): string {
  const p = path.join(scratch, name);
  fs.writeFileSync(p, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return p;
}

test("a preview that fails without diagnostics is exit 2 (not 0)", async () => {
  const pulumi = fakePulumi("fails-quietly", `echo '{"steps":[]}'; exit 255`);
  const r = await run(process.execPath, [bin, "--stack", "s"], { env: { ...process.env, PULUMI_BIN: pulumi } });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/pulumi preview --refresh failed \(exit 255\)/);
});

test("a preview that prints no JSON is exit 2, with what it printed", async () => {
  const pulumi = fakePulumi("no-json", `echo 'error: no stack named s' >&2; exit 255`);
  const r = await run(process.execPath, [bin, "--stack", "s"], { env: { ...process.env, PULUMI_BIN: pulumi } });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("error: no stack named s");
});

test("a preview that hangs is stopped at the time limit: exit 2", async () => {
  const pulumi = fakePulumi("hangs", "exec sleep 600");
  const started = Date.now();
  const r = await run(process.execPath, [bin, "--stack", "s", "--timeout", "2"], { env: { ...process.env, PULUMI_BIN: pulumi } });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("did not finish within 2s");
  expect(Date.now() - started).toBeLessThan(60_000);
});

test("bad arguments are exit 2 with the usage", async () => {
  const r = await run(process.execPath, [bin, "--bogus"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown argument --bogus");
  expect(r.stderr).toContain("usage: ceph-drift");
});

test("installed from the packed tarball, the bin runs in a program that depends on the package", async () => {
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", scratch], { cwd: repoRoot, encoding: "utf8" }).trim().split("\n").pop()!;
  const program = path.join(scratch, "program");
  fs.mkdirSync(program);
  fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: drift-bin\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n");
  // Declares nothing (no cluster here): the point is that the installed bin runs the gate.
  fs.writeFileSync(path.join(program, "index.js"), 'require("pulumi-ceph-openstack");\nexports.ok = true;\n');
  fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: "drift-bin", private: true, dependencies: { "pulumi-ceph-openstack": `file:${path.join(scratch, packed)}` } }));
  // Offline: the package's own dependencies are copied from this checkout's node_modules (what its
  // lockfile installed, dev ones left out), so npm has nothing to fetch; no install scripts (the bin
  // needs no addon).
  const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8"));
  for (const [key, entry] of Object.entries<any>(lock.packages)) {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
    if (!m || entry.dev || entry.link) continue;
    fs.cpSync(path.join(repoRoot, key), path.join(program, key), { recursive: true });
  }
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], { cwd: program, stdio: "pipe" });
  expect(fs.existsSync(path.join(program, "node_modules", ".bin", "ceph-drift"))).toBe(true);

  const stack = await createStack(program, "test-drift-bin");
  try {
    await stack.up();
    const r = await run("npx", ["--no-install", "ceph-drift", "--stack", stack.name, "--json"], { cwd: program, env: stack.env });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual({ drift: false, rows: [], follows: [] });
  } finally {
    await stack.teardown();
  }
});
