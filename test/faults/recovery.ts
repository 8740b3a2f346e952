// The recovery commands of README's "After an interrupted up", as the fault tests run them. A test
// (readme.test.ts) checks that the README shows exactly these commands, so what is documented is
// what is tested.
import * as fs from "fs";
import * as path from "path";
import type { TestStack } from "../helpers/pulumi";

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

/** Runs INTERRUPTED on the stack, in order. */
export async function runInterrupted(stack: TestStack): Promise<void> {
  for (const step of INTERRUPTED) await stack.run(step.split(/\s+/).slice(1), { timeoutMs: 240_000 });
}

/**
 * `failed to load checkpoint: EOF`: the kill landed while gocloud's fileblob rewrote the
 * checkpoint's metadata sidecar in place (it truncates `<stack>.json.attrs`, then writes it, before
 * renaming the new checkpoint over the old); the checkpoint itself is the last one written whole.
 */
export const REMOVE_EMPTY_ATTRS = "rm <stack>.json.attrs";
/** `unexpected end of JSON input`: the checkpoint itself cut short (the rename survived a power loss, its data did not). */
export const RESTORE_CHECKPOINT = "cp <stack>.json.bak <stack>.json";

export type RecoveryKind = "interrupted" | "attrs cut" | "checkpoint cut";

export function recoveryCommands(kind: RecoveryKind, where: { backendDir: string; stack: string }): RecoveryStep[] {
  const steps = INTERRUPTED.map(pulumiStep);
  const file = path.join(where.backendDir, ".pulumi", "stacks", "ceph-resources", `${where.stack}.json`);
  if (kind === "attrs cut") return [{ text: REMOVE_EMPTY_ATTRS, shell: async () => fs.rmSync(`${file}.attrs`) }, ...steps];
  if (kind === "checkpoint cut") return [{ text: RESTORE_CHECKPOINT, shell: async () => fs.copyFileSync(`${file}.bak`, file) }, ...steps];
  return steps;
}
