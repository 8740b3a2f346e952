// Runs the built ceph-drift bin (dist/bin) on a test stack, as a pipeline would, and parses --json.
import { execFile } from "child_process";
import * as path from "path";
import { repoRoot } from "./cluster";
import type { TestStack } from "./pulumi";

export interface DriftResult {
  code: number;
  stdout: string;
  stderr: string;
  json?: {
    drift: boolean;
    rows: Array<{ resource: string; type: string; property: string; declared: string; actual: string; action: string }>;
    follows: Array<{ resource: string; type: string; followsFrom: string[]; action: string }>;
    unmanaged?: Array<{ kind: string; name: string; cluster: string; ownedBy?: string; createCutShort?: true }>;
  };
}

export function runDrift(stack: TestStack, args: string[] = []): Promise<DriftResult> {
  const bin = path.join(repoRoot, "dist", "bin", "ceph-drift.js");
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [bin, "--stack", stack.name, ...args],
      { cwd: stack.programDir, env: stack.env, timeout: 300_000, maxBuffer: 64 * 2 ** 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0;
        resolve({ code, stdout, stderr, json: args.includes("--json") && stdout.trim().startsWith("{") ? JSON.parse(stdout) : undefined });
      },
    ),
  );
}

/** ceph-drift --json exits 0 with no rows and nothing that follows (stderr shown when it does not). */
export async function expectNoDrift(stack: TestStack, args: string[] = []): Promise<void> {
  const r = await runDrift(stack, ["--json", ...args]);
  expect({ code: r.code, rows: r.json?.rows, follows: r.json?.follows, stderr: r.code === 0 ? "" : r.stderr }).toEqual({
    code: 0,
    rows: [],
    follows: [],
    stderr: "",
  });
}
