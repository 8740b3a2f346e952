/**
 * Adding and removing one item of a comma-list value such as
 * `[DEFAULT] enabled_backends = lvm,ceph`, leaving the other items, their order
 * and their spacing alone, so several resources can share one key.
 */

import { IniEditor } from "./editor";
import { encodeValue, IniWriteError } from "./encode";
import { pyStrip, splitLines, unquote } from "./model";
import { applyValues, restoreValues } from "./values";

export interface ListItemAddResult {
  text: string;
  /** The key's text before (as in applyValues' previous), or null if it was absent. Keep it for removeListItem. */
  previous: string | null;
  sectionCreated: boolean;
  changed: boolean;
}

/** The items oslo.config's ListOpt reads from a value: split at commas, each stripped, a trailing comma ignored. */
export function parseListValue(value: string): string[] {
  const body = pyStrip(value).replace(/,+$/, "");
  return body === "" ? [] : body.split(",").map(pyStrip);
}

/** Adds `item` at the end of the key's list unless it is already there. */
export function addListItem(text: string, section: string, key: string, item: string): ListItemAddResult {
  assertListItem(item);
  const editor = new IniEditor(text);
  const index = editor.lastEntry(section, key);
  if (index === undefined) {
    const applied = applyValues(text, section, { [key]: item });
    return { text: applied.text, previous: null, sectionCreated: applied.sectionCreated, changed: true };
  }

  const previous = editor.rawValueOf(index);
  const current = editor.entry(index).value;
  if (parseListValue(current).includes(item)) return { text, previous, sectionCreated: false, changed: false };

  editor.setRawValue(index, encodeValue(appendItem(current, item)));
  return { text: editor.toString(), previous, sectionCreated: false, changed: true };
}

/**
 * Removes `item` from the key's list, unless `previous` (from addListItem)
 * shows the item was there before we added it. When the list ends up as it was
 * before, the previous text is put back exactly; when it ends up empty and the
 * key was absent before, the key's line goes.
 */
export function removeListItem(
  text: string,
  section: string,
  key: string,
  item: string,
  previous: string | null,
  opts: { removeSectionIfCreatedAndEmpty?: boolean } = {},
): string {
  assertListItem(item);
  const restoreOptions = { removeSectionIfCreatedAndEmpty: opts.removeSectionIfCreatedAndEmpty ?? false };
  const previousValue = previous === null ? undefined : valueOfRawText(previous);
  if (previousValue !== undefined && parseListValue(previousValue).includes(item)) return text;

  const editor = new IniEditor(text);
  const index = editor.lastEntry(section, key);
  if (index === undefined) return restoreValues(text, section, {}, restoreOptions);

  const current = editor.entry(index).value;
  const remaining = removeItem(current, item);
  let keyText: string | null; // the key's text afterwards; null removes its line
  if (previous === null && parseListValue(remaining).length === 0) keyText = null; // we created the key
  else if (previous !== null && remaining === previousValue) keyText = previous; // back to the operator's exact text
  else if (remaining === current) keyText = editor.rawValueOf(index); // item not there: leave as is
  else keyText = encodeValue(remaining);
  return restoreValues(text, section, { [key]: keyText }, restoreOptions);
}

function assertListItem(item: string): void {
  if (item === "" || pyStrip(item) !== item || /[,\r\n]/.test(item)) {
    throw new IniWriteError(`list item ${JSON.stringify(item)} must be non-empty, without commas, line breaks or surrounding whitespace`);
  }
}

/** What oslo reads from a previous text recorded by applyValues/addListItem. */
function valueOfRawText(rawText: string): string {
  const [firstLine, ...continuation] = splitLines(rawText).map((line) => line.text);
  return [unquote(pyStrip(firstLine ?? "")), ...continuation.map(pyStrip)].join("\n");
}

/** Splits off trailing commas and whitespace so an item added and removed again leaves them as they were. */
function splitTail(value: string): { body: string; tail: string } {
  const body = value.replace(/[\s,]+$/, "");
  return { body, tail: value.slice(body.length) };
}

function appendItem(value: string, item: string): string {
  const { body, tail } = splitTail(value.replace(/\n/g, " "));
  if (body.trim() === "") return item + tail;
  const separator = /,\s/.test(body) ? ", " : ",";
  return body + separator + item + tail;
}

function removeItem(value: string, item: string): string {
  const { body, tail } = splitTail(value.replace(/\n/g, " "));
  const tokens = body.split(",");
  const kept = tokens.filter((token) => pyStrip(token) !== item);
  if (kept.length === tokens.length) return value;
  if (kept.length > 0 && pyStrip(tokens[0]) === item) kept[0] = kept[0].trimStart();
  const remaining = kept.join(",");
  return pyStrip(remaining) === "" ? "" : remaining + tail;
}
