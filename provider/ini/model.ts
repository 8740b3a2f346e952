/**
 * A line model of an oslo.config INI file.
 *
 * Every line keeps its exact text and terminator, so a file that is parsed and
 * rendered again comes back byte for byte. Each line is classified the way
 * oslo.config's iniparser reads it (oslo_config/iniparser.py), which differs
 * from Python's configparser and from the `ini` package:
 * - the line is right-stripped first; an empty result is a blank line, and a
 *   blank line ends a multi-line value;
 * - a line starting with a space or tab continues the previous key's value
 *   (even if it looks like a comment); with no key open it is an error;
 * - `[name]` starts a section; the name is taken verbatim between the brackets;
 * - `#` or `;` in the first column starts a comment; there are no inline
 *   comments (`key = a # b` has the value `a # b`);
 * - otherwise `key = value` or `key: value`, split at whichever of `=` and `:`
 *   comes first; key and value are stripped, and one pair of matching quotes
 *   around the value is removed;
 * - sections with the same name are merged, and for a single-valued option the
 *   last occurrence wins;
 * - section names are matched case-insensitively, except `DEFAULT`.
 */

export type Newline = "\n" | "\r\n";

interface LineBase {
  /** The line's text without its terminator. */
  readonly text: string;
  /** The terminator after the line: "\n", "\r\n" (rarely a lone "\r"), or "" for a last line without one. */
  readonly eol: string;
  /** Name of the section header above this line as written, or null before the first header. */
  readonly section: string | null;
}

export interface BlankLine extends LineBase {
  readonly kind: "blank";
}

export interface CommentLine extends LineBase {
  readonly kind: "comment";
}

export interface SectionLine extends LineBase {
  readonly kind: "section";
  readonly name: string;
}

export interface EntryLine extends LineBase {
  readonly kind: "entry";
  readonly key: string;
  /** The text before the value: key, separator and the whitespace around it. */
  readonly prefix: string;
  /** The value as written on this line (quotes kept), without surrounding whitespace. */
  readonly rawValue: string;
  /** Whitespace after the value on this line. */
  readonly suffix: string;
  /** How many continuation lines follow and belong to this value. */
  readonly continuationLines: number;
  /** The value oslo.config sees: unquoted first line, continuation lines joined with "\n". */
  readonly value: string;
}

export interface ContinuationLine extends LineBase {
  readonly kind: "continuation";
  /** Index of the entry line whose value this line continues. */
  readonly entryIndex: number;
}

/** A line oslo.config would refuse to parse; kept as it is. */
export interface InvalidLine extends LineBase {
  readonly kind: "invalid";
  readonly reason: string;
}

export type IniLine = BlankLine | CommentLine | SectionLine | EntryLine | ContinuationLine | InvalidLine;

export interface IniProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
  readonly text: string;
}

export interface IniDocument {
  readonly lines: readonly IniLine[];
  /** The file's newline style, used for lines we add. */
  readonly newline: Newline;
  /** True when the file is not empty and its last line has no terminator. */
  readonly missingFinalNewline: boolean;
  /** Lines oslo.config would reject (it refuses to start on any of them). */
  readonly problems: readonly IniProblem[];
}

/** Text and terminator of one line: the unit every edit works on. */
export interface RawLine {
  text: string;
  eol: string;
}

// Python's str.isspace() set, so stripping matches oslo.config exactly.
const PY_WHITESPACE = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRAILING_WHITESPACE = new RegExp(`[${PY_WHITESPACE}]+$`);
const LEADING_WHITESPACE = new RegExp(`^[${PY_WHITESPACE}]+`);

export function pyRstrip(s: string): string {
  return s.replace(TRAILING_WHITESPACE, "");
}

export function pyLstrip(s: string): string {
  return s.replace(LEADING_WHITESPACE, "");
}

export function pyStrip(s: string): string {
  return pyLstrip(pyRstrip(s));
}

/** oslo.config removes one pair of matching quotes around a value. */
export function unquote(value: string): string {
  if (value.length > 0 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) {
    return value.slice(1, -1);
  }
  return value;
}

/** The key used to compare section names: oslo lower-cases every group name but DEFAULT. */
export function sectionId(name: string): string {
  return name === "DEFAULT" ? name : name.toLowerCase();
}

export function sameSection(a: string | null, b: string): boolean {
  return a !== null && sectionId(a) === sectionId(b);
}

/**
 * Splits text into lines, keeping each line's own terminator. A lone "\r" ends
 * a line too, as in Python's universal-newline reading that oslo relies on.
 */
export function splitLines(text: string): RawLine[] {
  const lines: RawLine[] = [];
  const terminator = /\r\n|\r|\n/g;
  let start = 0;
  for (let match = terminator.exec(text); match !== null; match = terminator.exec(text)) {
    lines.push({ text: text.slice(start, match.index), eol: match[0] });
    start = match.index + match[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: "" });
  return lines;
}

export function detectNewline(text: string): Newline {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  return crlf > lf ? "\r\n" : "\n";
}

export function joinLines(lines: readonly RawLine[]): string {
  return lines.map((line) => line.text + line.eol).join("");
}

export function parseIni(text: string): IniDocument {
  return classifyLines(splitLines(text), detectNewline(text), text.length > 0 && !/[\r\n]$/.test(text));
}

/** Classifies raw lines following oslo.config's parser, line by line. */
export function classifyLines(raw: readonly RawLine[], newline: Newline, missingFinalNewline: boolean): IniDocument {
  const lines: IniLine[] = [];
  const problems: IniProblem[] = [];
  let section: string | null = null;
  let openEntry: number | null = null; // index of the entry a continuation line would extend
  let openValue: string[] = [];

  const closeEntry = (): void => {
    if (openEntry === null) return;
    const entry = lines[openEntry] as EntryLine;
    lines[openEntry] = { ...entry, continuationLines: openValue.length - 1, value: openValue.join("\n") };
    openEntry = null;
    openValue = [];
  };
  const invalid = (text: string, eol: string, reason: string): InvalidLine => {
    problems.push({ line: lines.length + 1, reason, text });
    return { kind: "invalid", text, eol, section, reason };
  };

  for (const { text, eol } of raw) {
    const stripped = pyRstrip(text);
    if (stripped === "") {
      closeEntry();
      lines.push({ kind: "blank", text, eol, section });
      continue;
    }
    if (stripped.startsWith(" ") || stripped.startsWith("\t")) {
      if (openEntry === null) {
        lines.push(invalid(text, eol, "indented line with no key above it (oslo reads it as a continuation)"));
      } else {
        openValue.push(pyLstrip(stripped));
        lines.push({ kind: "continuation", text, eol, section, entryIndex: openEntry });
      }
      continue;
    }
    closeEntry();
    if (stripped.startsWith("[")) {
      if (!stripped.endsWith("]")) {
        lines.push(invalid(text, eol, "section header must end with ]"));
      } else if (stripped.length <= 2) {
        lines.push(invalid(text, eol, "empty section name"));
      } else {
        section = stripped.slice(1, -1);
        lines.push({ kind: "section", text, eol, section, name: section });
      }
    } else if (stripped.startsWith("#") || stripped.startsWith(";")) {
      lines.push({ kind: "comment", text, eol, section });
    } else {
      const entry = parseEntry(text, stripped, eol, section);
      if (typeof entry === "string") {
        lines.push(invalid(text, eol, entry));
      } else {
        if (section === null) problems.push({ line: lines.length + 1, reason: "key before any section header", text });
        openEntry = lines.length;
        openValue = [entry.value];
        lines.push(entry);
      }
    }
  }
  closeEntry();
  return { lines, newline, missingFinalNewline, problems };
}

/** Splits `key = value` / `key: value` the way oslo does; returns a reason string when it can't. */
function parseEntry(text: string, stripped: string, eol: string, section: string | null): EntryLine | string {
  const colon = stripped.indexOf(":");
  const equal = stripped.indexOf("=");
  if (colon < 0 && equal < 0) return "no '=' or ':' in assignment";
  const separator = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  const key = pyStrip(stripped.slice(0, separator));
  if (key === "") return "empty key";

  const afterSeparator = stripped.slice(separator + 1);
  const valueStart = separator + 1 + (afterSeparator.length - pyLstrip(afterSeparator).length);
  let prefix: string;
  if (valueStart < stripped.length) {
    prefix = text.slice(0, valueStart);
  } else {
    // Empty value: whatever follows the separator is trailing whitespace. Keep one space of it
    // in the prefix so that `key = ` becomes `key = x` once a value is set.
    prefix = text.slice(0, separator + 1) + (text[separator + 1] === " " ? " " : "");
  }
  const rawValue = stripped.slice(prefix.length);
  const suffix = text.slice(prefix.length + rawValue.length);
  return {
    kind: "entry",
    text,
    eol,
    section,
    key,
    prefix,
    rawValue,
    suffix,
    continuationLines: 0,
    value: unquote(rawValue),
  };
}
