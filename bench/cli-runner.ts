// The CLI way's runner: a small process of its own that spawns the rbd/ceph CLI per operation and
// times it on its own clock. Spawned from the bench process itself, every fork copied that
// process's page tables and made the addon's threads take copy-on-write faults, so the CLI's
// turns slowed the addon's. One request per line on stdin (a JSON array of argv arrays, run in
// order); one line back: the milliseconds taken, or "error <message>".
import { execFile } from "child_process";
import * as readline from "readline";
import { promisify } from "util";

const run = promisify(execFile);

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  queue = queue.then(async () => {
    try {
      const commands: string[][] = JSON.parse(line);
      const t0 = process.hrtime.bigint();
      for (const [bin, ...args] of commands) await run(bin, args, { timeout: 120_000 });
      process.stdout.write(`${Number(process.hrtime.bigint() - t0) / 1e6}\n`);
    } catch (e) {
      process.stdout.write(`error ${String((e as Error).message).split("\n")[0]}\n`);
    }
  });
});
