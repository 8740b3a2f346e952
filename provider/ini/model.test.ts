import { joinLines, parseIni, splitLines } from "./model";
import { CINDER_CONF } from "./testFixtures";

describe("parseIni", () => {
  it("renders back byte for byte", () => {
    for (const text of [CINDER_CONF, "", "\n", "a", "[s]\r\nk = v\r\n", "[s]\nk = v", "[s]\r\nk = v\nj = w\r\n"]) {
      expect(joinLines(splitLines(text))).toBe(text);
      expect(parseIni(text).lines.map((line) => line.text + line.eol).join("")).toBe(text);
    }
  });

  it("classifies headers, entries, comments and blank lines", () => {
    const doc = parseIni("[DEFAULT]\n# hash\n; semicolon\n\nkey = value\nk2=v2\nk3 : v3\n   \n[ceph]\n");
    expect(doc.lines.map((line) => line.kind)).toEqual([
      "section", "comment", "comment", "blank", "entry", "entry", "entry", "blank", "section",
    ]);
    expect(doc.problems).toEqual([]);
    const entries = doc.lines.filter((line) => line.kind === "entry");
    expect(entries.map((e) => [e.key, e.value, e.section])).toEqual([
      ["key", "value", "DEFAULT"],
      ["k2", "v2", "DEFAULT"],
      ["k3", "v3", "DEFAULT"],
    ]);
  });

  it("splits at the first of '=' and ':' like oslo", () => {
    const doc = parseIni("[s]\nurl = rabbit://u:p@h\nk: a=b\n");
    const entries = doc.lines.filter((line) => line.kind === "entry");
    expect(entries.map((e) => [e.key, e.value])).toEqual([
      ["url", "rabbit://u:p@h"],
      ["k", "a=b"],
    ]);
  });

  it("strips one pair of matching quotes but keeps inline '#' text", () => {
    const doc = parseIni(`[s]\na = "quoted"\nb = 'x'\nc = "mixed'\nd = v # not a comment\ne = "\n`);
    const values = Object.fromEntries(doc.lines.flatMap((l) => (l.kind === "entry" ? [[l.key, l.value]] : [])));
    expect(values).toEqual({ a: "quoted", b: "x", c: `"mixed'`, d: "v # not a comment", e: "" });
  });

  it("reads indented lines after a key as continuation lines, ended by a blank line", () => {
    const doc = parseIni("[s]\nk = first\n  second\n\t# third\n\n  orphan\n");
    const entry = doc.lines[1];
    expect(entry.kind === "entry" && entry.value).toBe("first\nsecond\n# third");
    expect(entry.kind === "entry" && entry.continuationLines).toBe(2);
    expect(doc.lines.map((l) => l.kind)).toEqual(["section", "entry", "continuation", "continuation", "blank", "invalid"]);
    expect(doc.problems.map((p) => p.line)).toEqual([6]);
  });

  it("reports keys before any section and malformed lines as problems, keeping them", () => {
    const doc = parseIni("orphan = 1\n[broken\n[]\nnot an assignment\n= empty key\n[s]\n");
    expect(doc.problems.map((p) => [p.line, p.reason])).toEqual([
      [1, "key before any section header"],
      [2, "section header must end with ]"],
      [3, "empty section name"],
      [4, "no '=' or ':' in assignment"],
      [5, "empty key"],
    ]);
    expect(doc.lines[0]).toMatchObject({ kind: "entry", key: "orphan", section: null });
  });

  it("keeps the spacing around the separator in the prefix", () => {
    const doc = parseIni("[s]\na = 1\nb=2\nc =   3  \nd = \ne =\n");
    const parts = doc.lines.flatMap((l) => (l.kind === "entry" ? [[l.prefix, l.rawValue, l.suffix]] : []));
    expect(parts).toEqual([
      ["a = ", "1", ""],
      ["b=", "2", ""],
      ["c =   ", "3", "  "],
      ["d = ", "", ""],
      ["e =", "", ""],
    ]);
  });

  it("ends a line at a lone CR, as Python's universal newlines do", () => {
    const doc = parseIni("[s]\ra = 1\rb = 2\n");
    expect(doc.lines.map((l) => l.kind)).toEqual(["section", "entry", "entry"]);
    expect(doc.lines.map((l) => l.text + l.eol).join("")).toBe("[s]\ra = 1\rb = 2\n");
  });

  it("detects the newline style and a missing final newline", () => {
    expect(parseIni("[s]\r\nk = v\r\n").newline).toBe("\r\n");
    expect(parseIni("[s]\nk = v\n").newline).toBe("\n");
    expect(parseIni("[s]\nk = v").missingFinalNewline).toBe(true);
    expect(parseIni("").missingFinalNewline).toBe(false);
  });
});
