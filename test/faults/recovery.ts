// The recovery commands of README's "After an interrupted up", as the fault tests run them. A test
// (readme.test.ts) checks that the README shows exactly these commands, so what is documented is
// what is tested.
import * as fs from "fs";
import * as path from "path";

export interface RecoveryStep {
  /** The command as the README shows it. */
  text: string;
  /** pulumi arguments (the tests add --stack and --non-interactive). */
  args?: string[];
  /** A step that is not a pulumi command (restoring the checkpoint file). */
  shell?: () => Promise<void>;
}

const pulumiStep = (text: string): RecoveryStep => ({ text, args: text.split(/\s+/).slice(1) });

/** After a kill: the stack's lock, pending creates, then converge (creates adopt their own objects). */
export const INTERRUPTED = ["pulumi cancel --yes", "pulumi refresh --yes --clear-pending-creates", "pulumi up --yes"];

/** The README's line that puts the previous checkpoint back (file backend). */
export const RESTORE_CHECKPOINT = "cp <stack>.json.bak <stack>.json";

export function recoveryCommands(kind: "interrupted" | "truncated", where: { backendDir: string; stack: string }): RecoveryStep[] {
  const steps = INTERRUPTED.map(pulumiStep);
  if (kind === "interrupted") return steps;
  const file = path.join(where.backendDir, ".pulumi", "stacks", "ceph-resources", `${where.stack}.json`);
  const restore: RecoveryStep = {
    text: RESTORE_CHECKPOINT,
    shell: async () => fs.copyFileSync(`${file}.bak`, file),
  };
  return [restore, ...steps];
}
