// docs/claims.md maps every README promise to the tests that prove it (see its header). This fails
// when a README unit has no entry, an entry no longer quotes the README, or a named test is missing.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkClaims, parseClaims, readmeUnits, testNames } from "./claims/claims";
import { repoRoot } from "./helpers/cluster";

test("every README claim is mapped in docs/claims.md to tests that exist", () => {
  const { problems, units, entries } = checkClaims(repoRoot);
  expect(units.length).toBeGreaterThan(50);
  expect(entries.length).toBeGreaterThanOrEqual(units.length);
  expect(problems).toEqual([]);
});

test("the checker splits the README into units and reads the map's lines", () => {
  const units = readmeUnits("# T\n\n## S\n\nOne thing holds. Another, e.g. `x. Y`, holds too.\n\n| a | b |\n| - | - |\n| row | claim |\n\n- a bullet\n  continued\n\n```sh\nnot a unit\n```\n");
  expect(units.map((u) => [u.section, u.text])).toEqual([
    ["S", "One thing holds."],
    ["S", "Another, e.g. `x. Y`, holds too."],
    ["S", "| row | claim |"],
    ["S", "a bullet continued"],
  ]);
  const { entries, problems } = parseClaims('- [S] "One thing" → test/claims.test.ts › a name ; x.test.ts › b\n- [S] "row" → not a claim: why\n- [S] bad line\n');
  expect(entries.map((e) => [e.excerpt, e.tests, e.notAClaim])).toEqual([
    ["One thing", [{ file: "test/claims.test.ts", name: "a name" }, { file: "x.test.ts", name: "b" }], undefined],
    ["row", [], "why"],
  ]);
  expect(problems).toEqual(['docs/claims.md:3: not in the form - [Section] "excerpt" → file › test name']);
  expect(testNames('test("a \\"b\\"", () => {}); it(`c`, x); test.each(cases)("d: %s", f); describe("not a test", f)')).toEqual(['a "b"', "c", "d: %s"]);
});

test("on a README of its own: an unmapped claim, a stale quote and a missing test each fail the check", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "claims-"));
  try {
    fs.mkdirSync(path.join(root, "docs"));
    fs.writeFileSync(path.join(root, "README.md"), "# P\n\n## Promises\n\nIt grows in place. It never loses data.\n");
    fs.writeFileSync(path.join(root, "a.test.ts"), 'test("grows", () => {});\n');
    const map = (lines: string[]) => fs.writeFileSync(path.join(root, "docs", "claims.md"), lines.join("\n") + "\n");
    map(['- [Promises] "grows in place" → a.test.ts › grows', '- [Promises] "never loses data" → a.test.ts › grows']);
    expect(checkClaims(root).problems).toEqual([]);
    map(['- [Promises] "grows in place" → a.test.ts › grows']);
    expect(checkClaims(root).problems).toEqual(['README.md:5 [Promises] has no entry in docs/claims.md: "It never loses data."']);
    map(['- [Promises] "grows in place" → a.test.ts › grows', '- [Promises] "never loses data" → a.test.ts › shrinks', '- [Promises] "shrinks" → b.test.ts › x']);
    expect(checkClaims(root).problems).toEqual([
      'docs/claims.md:2: a.test.ts has no test named "shrinks"',
      'docs/claims.md:3: "shrinks" is not in README section [Promises] (any more)',
      "docs/claims.md:3: test file b.test.ts does not exist",
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
