// When the process cannot start a thread (the kernel's or a cgroup's task limit), a call waits for
// a running call thread, or with none running is refused with EAGAIN naming the call; the process
// goes on (libuv's pool aborts it). Each case runs in a child process placed in a cgroup of its own
// whose task limit it sets to what it already has, plus the threads the case allows.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { addonPath } from "./binding";

/** The pids controller's directory: cgroup v1's own hierarchy, or v2's unified one. */
function pidsHierarchy(): string {
  if (fs.existsSync("/sys/fs/cgroup/pids/cgroup.procs")) return "/sys/fs/cgroup/pids";
  const controllers = "/sys/fs/cgroup/cgroup.controllers";
  if (fs.existsSync(controllers) && fs.readFileSync(controllers, "utf8").split(/\s+/).includes("pids")) {
    fs.writeFileSync("/sys/fs/cgroup/cgroup.subtree_control", "+pids");
    return "/sys/fs/cgroup";
  }
  throw new Error("no cgroup pids controller (neither /sys/fs/cgroup/pids nor pids in cgroup v2's controllers)");
}

/** Runs `body` (JS, with `addon`, `cgroup(extra)`, `out(value)`) in a child in a cgroup of its own. */
async function inTaskLimitedChild(body: string): Promise<unknown> {
  const dir = path.join(pidsHierarchy(), `ceph-native-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  fs.mkdirSync(dir);
  const script = `
    const fs = require("fs");
    const addon = require(${JSON.stringify(addonPath())});
    const dir = ${JSON.stringify(dir)};
    fs.writeFileSync(dir + "/cgroup.procs", String(process.pid));
    // The limit: the threads this process has now, plus extra (or none: "max").
    const cgroup = (extra) => fs.writeFileSync(dir + "/pids.max",
      extra === undefined ? "max" : String(Number(fs.readFileSync(dir + "/pids.current", "utf8")) + extra));
    const out = (value) => process.stdout.write(JSON.stringify(value));
    (async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });`;
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE; // the limit the expectations name: 64
  try {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["-e", script], { timeout: 60_000, env }, (err, so, se) => (err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so))),
    );
    return JSON.parse(stdout);
  } finally {
    fs.rmdirSync(dir);
  }
}

test("with no thread to be had but the one running, calls wait for it and all are answered", async () => {
  const result = await inTaskLimitedChild(`
    cgroup(1); // one more thread: the first call's
    let answered = 0;
    const calls = [0, 1, 2].map(() => addon.holdCallThread().then(() => answered++));
    await new Promise((r) => setTimeout(r, 200));
    const whileHeld = { answered, threads: addon.callThreads() };
    addon.releaseCallThreads();
    await Promise.all(calls);
    out({ whileHeld, answered, threads: addon.callThreads() });`);
  // The first holds the only thread; the other two could not start one and wait instead.
  expect(result).toEqual({
    whileHeld: { answered: 0, threads: { started: 1, idle: 0, limit: 64 } },
    answered: 3,
    threads: { started: 1, idle: 1, limit: 64 },
  });
});

test("with no thread to be had at all, a call is refused with EAGAIN naming it, and the next call after the limit is lifted runs", async () => {
  const result = await inTaskLimitedChild(`
    cgroup(0);
    const refused = await addon.callThreadId().then(() => "answered", (e) => ({ code: e.code, op: e.op, detail: e.detail }));
    const threads = addon.callThreads();
    cgroup(undefined);
    const tid = await addon.callThreadId();
    out({ refused, threads, after: { answered: typeof tid === "number" && tid > 0, threads: addon.callThreads() } });`);
  expect(result).toEqual({
    refused: { code: "EAGAIN", op: "call thread id", detail: "no thread could be started for the call: Resource temporarily unavailable" },
    threads: { started: 0, idle: 0, limit: 64 },
    after: { answered: true, threads: { started: 1, idle: 1, limit: 64 } },
  });
});
