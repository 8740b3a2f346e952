// Each fault test records what it tried and what the user saw; `npm run faults` renders these
// records into docs/faults.md (scripts/faults-report.js). Records go to FAULTS_REPORT_DIR when
// set (one JSON-lines file per test file), and nowhere otherwise.
import * as fs from "fs";
import * as path from "path";

export interface FaultRecord {
  /** Short name of the fault, e.g. "SIGKILL of pulumi up at 1/3". */
  fault: string;
  /** How it was provoked. */
  how: string;
  /** Time from the fault (or the command's start) to the command failing, in ms; undefined if nothing failed. */
  timeToFailMs?: number;
  /** The error text the user saw (engine output lines), verbatim. */
  errorText?: string;
  /** What was left in Ceph right after the fault. */
  leftInCeph: string;
  /** What was left in the stack's state right after the fault. */
  leftInState: string;
  /** The commands that recovered, and the result. */
  recovery: string;
}

export function record(file: string, r: FaultRecord): void {
  const dir = process.env.FAULTS_REPORT_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const name = path.basename(file).replace(/\.test\.ts$/, "");
  // Ports and temp dirs differ on each run: keep the report readable and its diffs small.
  const clean = (s?: string) =>
    s?.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT").replace(/\/tmp\/[A-Za-z0-9._-]+/g, "/tmp/…");
  const entry = { ...r, errorText: clean(r.errorText), leftInCeph: clean(r.leftInCeph), leftInState: clean(r.leftInState), recovery: clean(r.recovery) };
  fs.appendFileSync(path.join(dir, `${name}.jsonl`), JSON.stringify({ file: name, ...entry }) + "\n");
}

/** "16 images: img0 … img15" */
export function describeImages(names: string[]): string {
  if (names.length === 0) return "0 images";
  const shown = names.length <= 4 ? names.join(", ") : `${names.slice(0, 3).join(", ")} … ${names[names.length - 1]}`;
  return `${names.length} image(s): ${shown}`;
}
