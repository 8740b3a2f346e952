// The recovery commands the fault tests run (recovery.ts) are exactly the ones README's
// "After an interrupted up" tells users to run, so the documented recovery is the tested one.
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../helpers/cluster";
import { INTERRUPTED, REMOVE_EMPTY_ATTRS, RESTORE_CHECKPOINT } from "./recovery";

function section(title: RegExp): string {
  const lines = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8").split("\n");
  const start = lines.findIndex((l) => /^#+ /.test(l) && title.test(l));
  if (start < 0) throw new Error(`README.md has no section matching ${title}`);
  const level = /^#+/.exec(lines[start])![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/** The commands in the section's code blocks, in order (comments and blank lines dropped). */
function commands(text: string): string[] {
  const blocks = [...text.matchAll(/```(?:sh|bash|shell)?\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l && !l.startsWith("#")));
}

test("README's 'After an interrupted up' shows exactly the commands the fault tests run", () => {
  const shown = commands(section(/after an interrupted up/i));
  // The kill case: these commands, in this order.
  const pulumiLines = shown.filter((c) => c.startsWith("pulumi "));
  expect(pulumiLines.slice(0, INTERRUPTED.length)).toEqual(INTERRUPTED);
  // The cut-short checkpoint: the previous checkpoint put back, then the same commands.
  expect(shown).toContain(REMOVE_EMPTY_ATTRS);
  expect(shown).toContain(RESTORE_CHECKPOINT);
});
