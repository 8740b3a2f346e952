#!/usr/bin/env node
// ceph-drift: the one command a GitOps pipeline needs. Runs `pulumi preview --refresh` for a stack
// (with a time limit), prints one row per drifted setting (a table, --json, or --junit FILE), and
// exits 0 when nothing drifted, 1 on drift, 2 when the check itself failed. --unmanaged also lists
// what the cluster holds in the stack's pools and user namespace that no resource declares.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { driftReport, formatFollows, formatJUnit, formatTable, type DriftRow } from "./driftReport";
import { findUnmanaged, formatUnmanaged, type UnmanagedRow } from "./unmanaged";

const USAGE = `usage: ceph-drift [--stack NAME] [--cwd PROGRAM_DIR] [--json] [--junit FILE] [--unmanaged [--ignore-file FILE]] [--timeout SECONDS]

  exit 0: no drift, 1: drift (or unmanaged objects with --unmanaged), 2: the check itself failed`;

interface Options {
  stack?: string;
  cwd: string;
  json: boolean;
  junit?: string;
  unmanaged: boolean;
  ignoreFile?: string;
  timeoutSec: number;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { cwd: process.cwd(), json: false, unmanaged: false, timeoutSec: 900 };
  const value = (i: number) => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${argv[i - 1]} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") o.json = true;
    else if (a === "--unmanaged") o.unmanaged = true;
    else if (a === "--stack" || a === "-s") o.stack = value(++i);
    else if (a === "--cwd" || a === "-C") o.cwd = path.resolve(value(++i));
    else if (a === "--junit") o.junit = path.resolve(value(++i));
    else if (a === "--ignore-file") o.ignoreFile = path.resolve(value(++i));
    else if (a === "--timeout") {
      o.timeoutSec = Number(value(++i));
      if (!(o.timeoutSec > 0)) throw new UsageError("--timeout must be a positive number of seconds");
    } else throw new UsageError(a === "--help" || a === "-h" ? "" : `unknown argument ${a}`);
  }
  return o;
}

/** Runs pulumi with a time limit; a run that fails, times out or prints no JSON is the check failing. */
function pulumi(o: Options, args: string[]): { ok: true; json: any } | { ok: false; message: string } {
  const bin = process.env.PULUMI_BIN ?? "pulumi";
  const full = [...args, "--non-interactive", ...(o.stack ? ["--stack", o.stack] : [])];
  const r = spawnSync(bin, full, { cwd: o.cwd, encoding: "utf8", maxBuffer: 256 * 2 ** 20, timeout: o.timeoutSec * 1000, killSignal: "SIGTERM" });
  const what = `pulumi ${args.slice(0, 2).join(" ")}`;
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") return { ok: false, message: `${what} did not finish within ${o.timeoutSec}s` };
  if (r.error) return { ok: false, message: `could not run ${bin}: ${r.error.message}` };
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    return { ok: false, message: `${what} failed (exit ${r.status ?? r.signal}):\n${(r.stderr || r.stdout).trim()}` };
  }
  if (r.status !== 0) {
    const diags = ((json?.diagnostics ?? []) as Array<{ severity?: string; message?: string }>).filter((d) => d.severity === "error");
    const detail = diags.map((d) => (d.message ?? "").trim()).join("\n") || (r.stderr || "no diagnostics").trim();
    return { ok: false, message: `${what} failed (exit ${r.status ?? r.signal}):\n${detail}` };
  }
  return { ok: true, json };
}

async function main(argv: string[]): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message ? `ceph-drift: ${e.message}\n${USAGE}` : USAGE);
      return 2;
    }
    throw e;
  }
  // --run-program: the refresh uses the provider as the program configures it now (rotated key, new
  // mons), not as the last update left it in the state.
  const preview = pulumi(o, ["preview", "--refresh", "--run-program", "--json"]);
  if (!preview.ok) {
    console.error(`ceph-drift: ${preview.message}`);
    return 2;
  }
  const report = driftReport(preview.json);
  let unmanaged: UnmanagedRow[] = [];
  if (o.unmanaged) {
    const state = pulumi(o, ["stack", "export", "--show-secrets"]);
    if (!state.ok) {
      console.error(`ceph-drift: ${state.message}`);
      return 2;
    }
    try {
      unmanaged = await findUnmanaged(state.json, o.cwd, o.stack, o.ignoreFile ?? path.join(o.cwd, ".cephdriftignore"));
    } catch (e) {
      console.error(`ceph-drift: listing unmanaged objects failed: ${(e as Error).message}`);
      return 2;
    }
  }
  const drifted = report.rows.length > 0 || unmanaged.length > 0;
  if (o.junit) fs.writeFileSync(o.junit, formatJUnit(report, o.stack ?? "current", unmanaged));
  if (o.json) {
    console.log(JSON.stringify({ drift: drifted, rows: report.rows, follows: report.follows, ...(o.unmanaged ? { unmanaged } : {}) }, null, 2));
  } else {
    if (report.rows.length === 0) console.log("no drift: the cluster matches the program");
    else {
      console.log(formatTable(report.rows));
      console.log(`\n${summary(report.rows)}`);
    }
    if (report.follows.length > 0) console.log(`\nnot drift, follows from pending changes:\n${formatFollows(report.follows)}`);
    if (o.unmanaged) console.log(unmanaged.length === 0 ? "\nno unmanaged objects" : `\nunmanaged (in the cluster, declared by no resource of this stack):\n${formatUnmanaged(unmanaged)}`);
  }
  return drifted ? 1 : 0;
}

function summary(rows: DriftRow[]): string {
  const resources = new Set(rows.map((r) => r.resource)).size;
  return `${rows.length} drifted setting${rows.length === 1 ? "" : "s"} in ${resources} resource${resources === 1 ? "" : "s"}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`ceph-drift: ${(e as Error).stack ?? e}`);
    process.exit(2);
  },
);
