/**
 * Multi-valued keys (oslo.config's MultiOpt, e.g. Cinder's `replication_device`): the same key on
 * several lines of one section, every line a value, in file order. The resource that manages such a
 * key owns all its lines: it sets them to its list, and on restore puts back the lines that were
 * there before, each with its exact text.
 */

import { IniEditor } from "./editor";
import { assertKey, assertSectionName, encodeValue } from "./encode";
import type { RestoreOptions } from "./values";

export interface MultiApplyResult {
  text: string;
  /** The text of each line the key had before (as applyValues records it), in file order; null if it had none. */
  previous: string[] | null;
  sectionCreated: boolean;
  /** False when the lines already held exactly these values (the text is unchanged). */
  changed: boolean;
}

/** What a MultiOpt reads: the value of every line of the key in the section (repeated sections merged), in file order. */
export function getMultiValues(text: string, section: string, key: string): string[] {
  const editor = new IniEditor(text);
  return editor.entries(section, key).map((index) => editor.entry(index).value);
}

/**
 * Makes the key's lines hold exactly `values`, in order: existing lines are changed in place (a line
 * that already holds its value is not touched), extra ones removed, missing ones added after the
 * last line of the key (or after the section's last setting, creating the section if needed).
 */
export function applyMultiValues(text: string, section: string, key: string, values: readonly string[]): MultiApplyResult {
  assertSectionName(section);
  assertKey(key);
  const encoded = values.map(encodeValue);
  const editor = new IniEditor(text);
  const existing = editor.entries(section, key);
  const previous = existing.length === 0 ? null : existing.map((index) => editor.rawValueOf(index));
  const result = setLines(editor, section, key, encoded, (index, i) => editor.entry(index).value === values[i]);
  return { text: result.changed ? editor.toString() : text, previous, sectionCreated: result.sectionCreated, changed: result.changed };
}

/** Puts back the lines applyMultiValues recorded (their exact texts), or removes the key's lines when it had none. */
export function restoreMultiValues(text: string, section: string, key: string, previous: readonly string[] | null, opts: RestoreOptions): string {
  assertSectionName(section);
  assertKey(key);
  const editor = new IniEditor(text);
  setLines(editor, section, key, previous ?? [], (index, i) => editor.rawValueOf(index) === previous![i]);
  if (opts.removeSectionIfCreatedAndEmpty) editor.removeSectionIfEmpty(section);
  return editor.toString();
}

/** Sets the key's lines to these raw texts; `same(index, i)` says line `index` already holds the i-th. */
function setLines(
  editor: IniEditor,
  section: string,
  key: string,
  rawValues: readonly string[],
  same: (index: number, i: number) => boolean,
): { changed: boolean; sectionCreated: boolean } {
  let changed = false;
  let sectionCreated = false;
  // Surplus lines go first, from the last, so the indices of the ones kept stay valid.
  const existing = editor.entries(section, key);
  for (const index of existing.slice(rawValues.length).reverse()) {
    editor.removeEntry(index);
    changed = true;
  }
  rawValues.forEach((rawValue, i) => {
    const lines = editor.entries(section, key);
    if (i < lines.length) {
      if (!same(lines[i], i)) {
        editor.setRawValue(lines[i], rawValue);
        changed = true;
      }
    } else if (lines.length > 0) {
      editor.insertAfterEntry(lines[lines.length - 1], key, rawValue);
      changed = true;
    } else {
      sectionCreated = editor.appendEntry(section, key, rawValue).sectionCreated || sectionCreated;
      changed = true;
    }
  });
  return { changed, sectionCreated };
}
