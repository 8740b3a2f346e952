import { execFileSync } from "child_process";
import { generateCephxKey, validateCephxKey } from "./cephx";

function keyFromBytes(edit: (bytes: Buffer) => void): string {
  const bytes = Buffer.from(generateCephxKey(), "base64");
  edit(bytes);
  return bytes.toString("base64");
}

describe("cephx key shape", () => {
  test("a generated key is 40 characters, starts with AQ and is valid", () => {
    const key = generateCephxKey();
    expect(key).toHaveLength(40);
    expect(key.startsWith("AQ")).toBe(true);
    expect(validateCephxKey(key)).toBeUndefined();
  });

  test("the creation time is encoded as seconds and nanoseconds", () => {
    const bytes = Buffer.from(generateCephxKey(new Date(1_700_000_000_250)), "base64");
    expect(bytes.readUInt32LE(2)).toBe(1_700_000_000);
    expect(bytes.readUInt32LE(6)).toBe(250_000_000);
  });

  // ceph-authtool comes with ceph-common (scripts/setup.sh): a missing binary fails this test.
  test("keys made by ceph-authtool are valid", () => {
    const key = execFileSync("ceph-authtool", ["--gen-print-key"], { encoding: "utf8" }).trim();
    expect(key).toMatch(/^AQ/);
    expect(validateCephxKey(key)).toBeUndefined();
  });

  // Each bad key is refused for its own reason (not by an earlier rule that happens to catch it).
  const invalid: Array<[string, unknown, RegExp]> = [
    ["not a string", 42, /must be a string, got number/],
    ["empty", "", /must be base64 text/],
    ["not base64", "AQ!!not-base64-at-all-but-forty-chars!!==", /must be base64 text/],
    ["unpadded", generateCephxKey().replace(/=+$/, ""), /must be canonical, padded base64/],
    ["with a newline", generateCephxKey() + "\n", /must be base64 text/],
    ["too short", Buffer.alloc(16, 1).toString("base64"), /must decode to 28 bytes, got 16/],
    ["too long", Buffer.alloc(32, 1).toString("base64"), /must decode to 28 bytes, got 32/],
    ["wrong type", keyFromBytes((b) => b.writeUInt16LE(2, 0)), /must be of type 1 \(AES\)/],
    ["wrong secret length", keyFromBytes((b) => b.writeUInt16LE(32, 10)), /must hold a 16-byte secret/],
  ];
  test.each(invalid)("rejects a key: %s", (_, key, reason) => {
    expect(validateCephxKey(key)).toMatch(reason);
  });

  test("a non-canonical encoding is rejected (it would read back as another string)", () => {
    // The last base64 digit carries 2 unused bits; setting them keeps the bytes, changes the text.
    const key = generateCephxKey();
    const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = digits.indexOf(key[37]);
    const tweaked = key.slice(0, 37) + digits[last ^ 1] + key.slice(38);
    expect(Buffer.from(tweaked, "base64")).toEqual(Buffer.from(key, "base64"));
    expect(validateCephxKey(tweaked)).toMatch(/canonical/);
  });

  test("no message ever contains the key", () => {
    const key = generateCephxKey();
    const variants = [key + "!", key.slice(0, 30), keyFromBytes((b) => b.writeUInt16LE(2, 0)), key + "\n"];
    for (const bad of variants) {
      const problem = validateCephxKey(bad)!;
      expect(problem).toBeDefined();
      expect(problem).not.toContain(bad.trim());
      expect(problem).not.toContain(key.slice(4, 20));
    }
  });
});
