/**
 * Reading, setting and restoring the keys one resource manages in an
 * operator-owned oslo.config file, leaving every other line as it was.
 */

import { IniEditor } from "./editor";
import { assertKey, assertSectionName, encodeValue } from "./encode";

/**
 * What each managed key looked like before we set it: the exact text that
 * followed `key =` (continuation lines included, joined with "\n"), or null if
 * the key was absent. For an ordinary unquoted one-line value this is the value
 * itself; keeping the text as written lets restoreValues put back the same bytes.
 *
 * Record it once, when the resource first takes a key over: applying again
 * reports the resource's own values as "previous". On an update that adds
 * keys, merge in only the new keys' entries.
 */
export type PreviousValues = Record<string, string | null>;

export interface ApplyResult {
  text: string;
  previous: PreviousValues;
  /** The section did not exist and was added at the end of the file. */
  sectionCreated: boolean;
  /** False when every key already had the requested value (the text is unchanged). */
  changed: boolean;
}

export interface RestoreOptions {
  /** Pass the apply result's sectionCreated: the header goes only if nothing else was put in the section since. */
  removeSectionIfCreatedAndEmpty: boolean;
}

/** The values oslo.config would read for these keys (last occurrence wins); undefined where absent. */
export function getValues<K extends string>(text: string, section: string, keys: readonly K[]): Record<K, string | undefined> {
  const editor = new IniEditor(text);
  const result = {} as Record<K, string | undefined>;
  for (const key of keys) {
    const index = editor.lastEntry(section, key);
    result[key] = index === undefined ? undefined : editor.entry(index).value;
  }
  return result;
}

/**
 * Sets each key in the section: in place on the line oslo reads (keeping that
 * line's spacing), or appended after the section's last setting, creating the
 * section at the end of the file if needed. Keys that already hold the value
 * are not touched, so applying twice changes nothing the second time.
 */
export function applyValues(text: string, section: string, values: Record<string, string>): ApplyResult {
  assertSectionName(section);
  const encoded = Object.entries(values).map(([key, value]) => {
    assertKey(key);
    return { key, value, rawValue: encodeValue(value) };
  });

  const editor = new IniEditor(text);
  const previous: PreviousValues = {};
  let sectionCreated = false;
  let changed = false;
  for (const { key, value, rawValue } of encoded) {
    const index = editor.lastEntry(section, key);
    if (index === undefined) {
      previous[key] = null;
      sectionCreated = editor.appendEntry(section, key, rawValue).sectionCreated || sectionCreated;
      changed = true;
    } else {
      previous[key] = editor.rawValueOf(index);
      if (editor.entry(index).value !== value) {
        editor.setRawValue(index, rawValue);
        changed = true;
      }
    }
  }
  return { text: changed ? editor.toString() : text, previous, sectionCreated, changed };
}

/**
 * Puts back what applyValues recorded: each key gets its previous text again,
 * or its line is removed when it was absent before. The section header is
 * removed only when asked and when nothing but blank lines is left in it.
 */
export function restoreValues(text: string, section: string, previous: PreviousValues, opts: RestoreOptions): string {
  assertSectionName(section);
  const editor = new IniEditor(text);
  for (const [key, previousValue] of Object.entries(previous)) {
    assertKey(key);
    const index = editor.lastEntry(section, key);
    if (previousValue === null) {
      if (index !== undefined) editor.removeEntry(index);
    } else if (index === undefined) {
      editor.appendEntry(section, key, previousValue);
    } else if (editor.rawValueOf(index) !== previousValue) {
      editor.setRawValue(index, previousValue);
    }
  }
  if (opts.removeSectionIfCreatedAndEmpty) editor.removeSectionIfEmpty(section);
  return editor.toString();
}
