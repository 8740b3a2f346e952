/**
 * The structural edits behind applyValues/restoreValues/addListItem: a list of
 * raw lines that is re-classified after every change. Files are small, so
 * re-parsing keeps the model simple and always consistent.
 */

import {
  classifyLines,
  EntryLine,
  IniDocument,
  IniLine,
  joinLines,
  Newline,
  parseIni,
  RawLine,
  sameSection,
  splitLines,
} from "./model";

export class IniEditor {
  private readonly raw: RawLine[];
  private readonly newline: Newline;
  private readonly missingFinalNewline: boolean;
  private doc: IniDocument;

  constructor(text: string) {
    this.doc = parseIni(text);
    this.raw = splitLines(text);
    this.newline = this.doc.newline;
    this.missingFinalNewline = this.doc.missingFinalNewline;
  }

  get lines(): readonly IniLine[] {
    return this.doc.lines;
  }

  toString(): string {
    return joinLines(this.raw);
  }

  /** Indices of the section's headers, in file order (oslo merges repeated sections). */
  sectionHeaders(section: string): number[] {
    const headers: number[] = [];
    this.doc.lines.forEach((line, index) => {
      if (line.kind === "section" && sameSection(line.name, section)) headers.push(index);
    });
    return headers;
  }

  /** Index of the key's last entry in the section: the one oslo.config uses. */
  lastEntry(section: string, key: string): number | undefined {
    for (let index = this.doc.lines.length - 1; index >= 0; index--) {
      const line = this.doc.lines[index];
      if (line.kind === "entry" && line.key === key && sameSection(line.section, section)) return index;
    }
    return undefined;
  }

  /** Indices of every entry of the key in the section, in file order: what a MultiOpt reads. */
  entries(section: string, key: string): number[] {
    const found: number[] = [];
    this.doc.lines.forEach((line, index) => {
      if (line.kind === "entry" && line.key === key && sameSection(line.section, section)) found.push(index);
    });
    return found;
  }

  entry(index: number): EntryLine {
    const line = this.doc.lines[index];
    if (line?.kind !== "entry") throw new Error(`line ${index + 1} is not a key = value line`);
    return line;
  }

  /** The value exactly as written: the first line's text after the separator, then any continuation lines verbatim. */
  rawValueOf(index: number): string {
    const entry = this.entry(index);
    const continuation = this.raw.slice(index + 1, index + 1 + entry.continuationLines).map((line) => line.text);
    return [entry.rawValue, ...continuation].join("\n");
  }

  /** Replaces an entry's value text (and its continuation lines), keeping the line's prefix and trailing whitespace. */
  setRawValue(index: number, rawValue: string): void {
    const entry = this.entry(index);
    const [firstLine, ...continuation] = rawValue.split("\n");
    this.raw[index] = { text: entry.prefix + firstLine + entry.suffix, eol: this.raw[index].eol };
    this.splice(index + 1, entry.continuationLines, continuation);
  }

  /** Removes an entry line together with its continuation lines. */
  removeEntry(index: number): void {
    this.splice(index, 1 + this.entry(index).continuationLines, []);
  }

  /**
   * Adds `key = rawValue` after the last setting of the section's last block, so
   * trailing comments and blank lines stay with whatever follows them. Creates
   * the section at the end of the file, after one blank line, if it is absent.
   */
  appendEntry(section: string, key: string, rawValue: string): { sectionCreated: boolean } {
    const [firstLine, ...continuation] = rawValue.split("\n");
    const separator = this.separatorStyle(section);
    const newLines = [key + (firstLine === "" ? separator.trimEnd() : separator + firstLine), ...continuation];

    const headers = this.sectionHeaders(section);
    if (headers.length === 0) {
      const spacer = this.raw.length > 0 ? [""] : [];
      this.splice(this.raw.length, 0, [...spacer, `[${section}]`, ...newLines]);
      return { sectionCreated: true };
    }
    this.splice(this.insertionPoint(headers[headers.length - 1]), 0, newLines);
    return { sectionCreated: false };
  }

  /** Adds `key = rawValue` right after an entry (and its continuation lines), spelt like that entry. */
  insertAfterEntry(index: number, key: string, rawValue: string): void {
    const entry = this.entry(index);
    const [firstLine, ...continuation] = rawValue.split("\n");
    const prefix = entry.key === key ? entry.prefix : key + this.separatorStyle(entry.section ?? "DEFAULT");
    this.splice(index + 1 + entry.continuationLines, 0, [prefix + firstLine, ...continuation]);
  }

  /**
   * Removes the section's header if it is the only block of that section and
   * holds nothing but blank lines, with the blank line appendEntry put before it.
   */
  removeSectionIfEmpty(section: string): boolean {
    const headers = this.sectionHeaders(section);
    if (headers.length !== 1) return false;
    const header = headers[0];
    const blockEnd = this.blockEnd(header);
    for (let index = header + 1; index < blockEnd; index++) {
      if (this.doc.lines[index].kind !== "blank") return false;
    }
    const removesSpacer = header > 0 && this.doc.lines[header - 1].kind === "blank";
    const start = removesSpacer ? header - 1 : header;
    this.splice(start, header - start + 1, []);
    return true;
  }

  /** Index of the next section header after `header`, or the line count. */
  private blockEnd(header: number): number {
    for (let index = header + 1; index < this.doc.lines.length; index++) {
      if (this.doc.lines[index].kind === "section") return index;
    }
    return this.doc.lines.length;
  }

  /** Just after the block's last non-comment, non-blank line (or its header). */
  private insertionPoint(header: number): number {
    let point = header + 1;
    for (let index = header + 1; index < this.blockEnd(header); index++) {
      const kind = this.doc.lines[index].kind;
      if (kind !== "blank" && kind !== "comment") point = index + 1;
    }
    return point;
  }

  /** `key = value` or `key=value`, following the section's (else the file's) last setting. */
  private separatorStyle(section: string): string {
    const entries = this.doc.lines.filter((line): line is EntryLine => line.kind === "entry");
    const reference = [...entries].reverse().find((line) => sameSection(line.section, section)) ?? entries[entries.length - 1];
    if (reference === undefined) return " = ";
    return /\s[=:]/.test(reference.prefix) ? " = " : "=";
  }

  private splice(start: number, deleteCount: number, texts: readonly string[]): void {
    this.raw.splice(start, deleteCount, ...texts.map((text) => ({ text, eol: this.newline })));
    this.fixTerminators();
    this.doc = classifyLines(this.raw, this.newline, this.missingFinalNewline);
  }

  /** Every line but the last ends with a newline; the last keeps the file's original choice. */
  private fixTerminators(): void {
    const last = this.raw.length - 1;
    this.raw.forEach((line, index) => {
      if (index < last && line.eol === "") line.eol = this.newline;
    });
    if (last >= 0) {
      if (this.missingFinalNewline) this.raw[last].eol = "";
      else if (this.raw[last].eol === "") this.raw[last].eol = this.newline;
    }
  }
}
