/**
 * Checks and encodes the names and values we write, so that what oslo.config
 * reads back is exactly what was asked for.
 */

import { pyStrip, unquote } from "./model";

export class IniWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IniWriteError";
  }
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** A section name we can write as `[name]` and oslo reads back unchanged. */
export function assertSectionName(section: string): void {
  if (section === "") throw new IniWriteError("section name must not be empty");
  if (CONTROL_CHARACTERS.test(section)) throw new IniWriteError(`section name ${JSON.stringify(section)} contains a control character`);
  if (section.includes("[") || section.includes("]")) {
    throw new IniWriteError(`section name ${JSON.stringify(section)} must not contain '[' or ']'`);
  }
  if (section.trim() !== section) throw new IniWriteError(`section name ${JSON.stringify(section)} has leading or trailing whitespace`);
}

/** A key oslo reads back as the same key: it must not contain a separator or look like a header or comment. */
export function assertKey(key: string): void {
  if (key === "") throw new IniWriteError("key must not be empty");
  if (CONTROL_CHARACTERS.test(key)) throw new IniWriteError(`key ${JSON.stringify(key)} contains a control character`);
  if (key.trim() !== key) throw new IniWriteError(`key ${JSON.stringify(key)} has leading or trailing whitespace`);
  if (key.includes("=") || key.includes(":")) throw new IniWriteError(`key ${JSON.stringify(key)} must not contain '=' or ':'`);
  if (/^[[#;]/.test(key)) throw new IniWriteError(`key ${JSON.stringify(key)} must not start with '[', '#' or ';'`);
}

/**
 * The text to write after `key = ` so that oslo reads back `value`.
 * oslo strips surrounding whitespace and one pair of matching quotes, so such
 * values are wrapped in double quotes; nothing else is escaped (oslo has no escapes).
 */
export function encodeValue(value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new IniWriteError(`value ${JSON.stringify(value)} contains a line break; only single-line values can be written`);
  }
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
    throw new IniWriteError(`value ${JSON.stringify(value)} contains a control character`);
  }
  const needsQuotes = pyStrip(value) !== value || unquote(value) !== value;
  return needsQuotes ? `"${value}"` : value;
}
