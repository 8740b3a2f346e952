#!/usr/bin/env node
// ceph-drift: the one command a GitOps pipeline needs. Runs `pulumi preview --refresh` for a stack,
// prints what differs between the program and the cluster (a table, or JSON with --json), and
// exits 0 when nothing drifted, 1 on drift, 2 when the preview itself failed.
import { spawnSync } from "child_process";
import { driftRows, formatTable } from "./driftReport";

function usage(): never {
  console.error("usage: ceph-drift [--stack NAME] [--cwd PROGRAM_DIR] [--json]");
  process.exit(2);
}

function main(argv: string[]): number {
  let stack: string | undefined;
  let cwd = process.cwd();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--stack" || a === "-s") stack = argv[++i] ?? usage();
    else if (a === "--cwd" || a === "-C") cwd = argv[++i] ?? usage();
    else if (a === "--help" || a === "-h") usage();
    else usage();
  }
  const args = ["preview", "--refresh", "--json", "--non-interactive", ...(stack ? ["--stack", stack] : [])];
  const r = spawnSync(process.env.PULUMI_BIN ?? "pulumi", args, { cwd, encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  if (r.error) {
    console.error(`ceph-drift: could not run pulumi: ${r.error.message}`);
    return 2;
  }
  let preview: any;
  try {
    preview = JSON.parse(r.stdout);
  } catch {
    console.error(`ceph-drift: pulumi preview failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
    return 2;
  }
  const diagnostics = (preview.diagnostics ?? []).filter((d: any) => d.severity === "error");
  if (r.status !== 0 && diagnostics.length > 0) {
    console.error(`ceph-drift: pulumi preview failed:\n${diagnostics.map((d: any) => d.message).join("\n")}`);
    return 2;
  }
  const rows = driftRows(preview);
  if (json) {
    console.log(JSON.stringify({ drift: rows.length > 0, rows }, null, 2));
  } else if (rows.length === 0) {
    console.log("no drift: the cluster matches the program");
  } else {
    console.log(formatTable(rows));
    console.log(`\n${rows.length} drifted propert${rows.length === 1 ? "y" : "ies"} in ${new Set(rows.map((r) => r.resource)).size} resource(s)`);
  }
  return rows.length > 0 ? 1 : 0;
}

process.exit(main(process.argv.slice(2)));
