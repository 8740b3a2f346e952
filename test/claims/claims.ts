// docs/claims.md maps every promise README.md makes to the tests that prove it. This checks the map:
// every claim-bearing unit of the README (a table row, a bullet, a sentence) is covered by an entry,
// every entry still quotes the README, every test it names exists, and (given jest's JSON results)
// passed. Run as a jest test (test/claims.test.ts) and after jest by scripts/test.sh.
import * as fs from "fs";
import * as path from "path";

export interface Unit {
  section: string;
  text: string;
  line: number;
}

export interface TestRef {
  file: string;
  name: string;
}

export interface Entry {
  line: number;
  section: string;
  excerpt: string;
  /** Tests that prove it; empty for an entry marked "not a claim". */
  tests: TestRef[];
  notAClaim?: string;
}

const normalize = (s: string) => s.replace(/\s+/g, " ").trim();

/** Splits a paragraph into sentences (not after "e.g." / "i.e." or inside a `code span`). */
function sentences(paragraph: string): string[] {
  const out: string[] = [];
  let current = "";
  let inCode = false;
  for (let i = 0; i < paragraph.length; i++) {
    const ch = paragraph[i];
    current += ch;
    if (ch === "`") inCode = !inCode;
    if (!inCode && /[.!?:]/.test(ch) && paragraph[i + 1] === " " && /[A-Z`(]/.test(paragraph[i + 2] ?? "") && !/\b(e\.g|i\.e|etc)\.$/.test(current)) {
      if (ch !== ":") {
        out.push(current.trim());
        current = "";
      }
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** The README's claim-bearing units, by section (the nearest ## or ### heading). */
export function readmeUnits(readme: string): Unit[] {
  const lines = readme.split("\n");
  const units: Unit[] = [];
  let section = "(top)";
  let inFence = false;
  let paragraph: { text: string; line: number } | undefined;
  let bullet: { text: string; line: number } | undefined;
  let tableRow = 0;
  const flush = () => {
    if (paragraph) for (const s of sentences(normalize(paragraph.text))) units.push({ section, text: s, line: paragraph.line });
    if (bullet) units.push({ section, text: normalize(bullet.text), line: bullet.line });
    paragraph = bullet = undefined;
  };
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (/^```/.test(line)) {
      flush();
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    const heading = /^#{1,3} (.*)$/.exec(line);
    if (heading) {
      flush();
      section = heading[1].trim();
      tableRow = 0;
      return;
    }
    if (line.startsWith("|")) {
      flush();
      tableRow++;
      // The header row and the |---| row name columns; the rows below are claims.
      if (tableRow > 2) units.push({ section, text: normalize(line), line: i + 1 });
      return;
    }
    tableRow = 0;
    if (line.trim() === "") return flush();
    const item = /^(\s*)(?:[-*]|\d+\.) (.*)$/.exec(line);
    if (item) {
      flush();
      bullet = { text: item[2], line: i + 1 };
      return;
    }
    if (bullet && /^\s+\S/.test(line)) {
      bullet.text += " " + line;
      return;
    }
    if (bullet) flush();
    paragraph = paragraph ? { ...paragraph, text: paragraph.text + " " + line } : { text: line, line: i + 1 };
  });
  flush();
  return units;
}

/**
 * Entries of docs/claims.md: one a line,
 *   - [Section] "excerpt of the README" → path/to/file.test.ts › test name ; other/file.test.ts › other name
 *   - [Section] "excerpt" → not a claim: why
 */
export function parseClaims(text: string): { entries: Entry[]; problems: string[] } {
  const entries: Entry[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.startsWith("- [")) return;
    const m = /^- \[([^\]]+)\] "((?:[^"\\]|\\.)+)" → (.+)$/.exec(line);
    if (!m) {
      problems.push(`docs/claims.md:${i + 1}: not in the form - [Section] "excerpt" → file › test name`);
      return;
    }
    const [, section, excerpt, target] = m;
    const entry: Entry = { line: i + 1, section, excerpt: normalize(excerpt.replace(/\\"/g, '"')), tests: [] };
    const not = /^not a claim: (.+)$/.exec(target);
    if (not) entry.notAClaim = not[1];
    else {
      for (const ref of target.split(" ; ")) {
        const r = /^(\S+\.test\.ts) › (.+)$/.exec(ref.trim());
        if (!r) problems.push(`docs/claims.md:${i + 1}: "${ref}" is not "file.test.ts › test name"`);
        else entry.tests.push({ file: r[1], name: r[2].trim() });
      }
    }
    entries.push(entry);
  });
  return { entries, problems };
}

/** Everything wrong with the map: uncovered README units, stale excerpts, tests that do not exist. */
export function checkClaims(root: string): { problems: string[]; units: Unit[]; entries: Entry[] } {
  const units = readmeUnits(fs.readFileSync(path.join(root, "README.md"), "utf8"));
  const parsed = parseClaims(fs.readFileSync(path.join(root, "docs", "claims.md"), "utf8"));
  const problems = [...parsed.problems];
  const covers = (e: Entry, u: Unit) => e.section === u.section && u.text.includes(e.excerpt);
  for (const u of units) {
    if (!parsed.entries.some((e) => covers(e, u))) problems.push(`README.md:${u.line} [${u.section}] has no entry in docs/claims.md: "${u.text}"`);
  }
  for (const e of parsed.entries) {
    if (!units.some((u) => covers(e, u))) problems.push(`docs/claims.md:${e.line}: "${e.excerpt}" is not in README section [${e.section}] (any more)`);
    for (const t of e.tests) {
      const file = path.join(root, t.file);
      if (!fs.existsSync(file)) {
        problems.push(`docs/claims.md:${e.line}: test file ${t.file} does not exist`);
        continue;
      }
      const source = fs.readFileSync(file, "utf8");
      if (!testNames(source).includes(t.name)) problems.push(`docs/claims.md:${e.line}: ${t.file} has no test named "${t.name}"`);
    }
  }
  return { problems, units, entries: parsed.entries };
}

/** The names given to test()/it() in a file (string literals only). */
export function testNames(source: string): string[] {
  const names: string[] = [];
  const re = /\b(?:test|it)(?:\.each\([^)]*\))?\(\s*(["'`])((?:\\.|(?!\1).)*)\1/gs;
  for (let m = re.exec(source); m; m = re.exec(source)) names.push(m[2].replace(/\\(["'`])/g, "$1"));
  return names;
}

/** With jest's --json results (one file per jest run): mapped tests that did not pass (or did not run). */
export function unprovenClaims(root: string, resultsFiles: string | string[]): string[] {
  const { entries } = checkClaims(root);
  type Results = { testResults: Array<{ name: string; assertionResults: Array<{ title: string; status: string }> }> };
  const results: Results = { testResults: [] };
  for (const f of Array.isArray(resultsFiles) ? resultsFiles : [resultsFiles]) {
    results.testResults.push(...((JSON.parse(fs.readFileSync(f, "utf8") || "{}") as Partial<Results>).testResults ?? []));
  }
  const problems: string[] = [];
  for (const e of entries) {
    for (const t of e.tests) {
      const abs = path.join(root, t.file);
      const file = results.testResults.find((r) => r.name === abs);
      const statuses = file?.assertionResults.filter((a) => a.title === t.name || a.title.startsWith(`${t.name.replace(/%[sdp]/g, "")}`)).map((a) => a.status) ?? [];
      if (statuses.length === 0 || statuses.some((s) => s !== "passed")) {
        problems.push(`docs/claims.md:${e.line}: "${e.excerpt}" — ${t.file} › ${t.name}: ${statuses.length ? statuses.join(",") : "did not run"}`);
      }
    }
  }
  return problems;
}

if (require.main === module) {
  // node dist/test/claims/claims.js ROOT [JEST_RESULTS.json...]
  const root = path.resolve(process.argv[2] ?? ".");
  const problems = process.argv[3] ? unprovenClaims(root, process.argv.slice(3)) : checkClaims(root).problems;
  for (const p of problems) console.log(`claims: ${p}`);
  console.log(`claims: ${problems.length === 0 ? "every README claim is mapped to a test" + (process.argv[3] ? " that passed" : "") : `${problems.length} problem(s)`}`);
  process.exit(problems.length === 0 ? 0 : 1);
}
