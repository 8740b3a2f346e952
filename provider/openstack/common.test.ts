import { z } from "zod";

import { cephUserName, checkSpec, formatPath, integer, rbdChunkSizeMiB, renderOptions, text } from "./common";

function reasons(schema: z.ZodType, input: unknown): string[] {
  const result = checkSpec(z.strictObject({ field: schema }), { field: input });
  return result.ok ? [] : result.failures.map((f) => `${f.property}: ${f.reason}`);
}

describe("common field types", () => {
  it("formats paths the way Pulumi names properties", () => {
    expect(formatPath([])).toBe("spec");
    expect(formatPath(["stores", 1])).toBe("stores[1]");
    expect(formatPath(["a", "b"])).toBe("a.b");
  });

  it("says 'is required' for a missing required field", () => {
    expect(reasons(integer(), undefined)).toEqual(["field: is required"]);
  });

  it("reports one reason per field", () => {
    expect(reasons(rbdChunkSizeMiB(), 48)).toEqual(["field: must be <= 32"]);
    expect(reasons(rbdChunkSizeMiB(), 0)).toEqual(["field: must be >= 1"]);
    expect(reasons(text(), "")).toEqual(["field: must not be empty"]);
    expect(reasons(text(), " a\n")).toEqual(["field: must not contain control characters or line breaks"]);
    expect(reasons(cephUserName(), "client.a b")).toEqual([`field: must be the short user name without the 'client.' prefix (use "a b", not "client.a b")`]);
  });

  it("rejects non-integers and unsafe integers", () => {
    expect(reasons(integer(), Number.NaN)).toEqual(["field: must be an integer"]);
    expect(reasons(integer(), 2 ** 60)).toEqual(["field: must be an integer"]);
  });

  it("renders booleans, numbers and lists the way oslo reads them, skipping unset fields", () => {
    const spec = { flag: false, count: -1, list: ["rbd", "http"], unset: undefined as string | undefined };
    expect(renderOptions(spec, { flag: "a_flag", count: "a_count", list: "a_list", unset: "never" })).toEqual({
      a_flag: "false",
      a_count: "-1",
      a_list: "rbd,http",
    });
  });
});
