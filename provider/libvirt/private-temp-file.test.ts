import * as fs from "fs";
import * as path from "path";
import { withPrivateTempFile } from "./private-temp-file";

describe("withPrivateTempFile", () => {
  test("the file is 0600 in a 0700 directory while in use, and both are gone afterwards", async () => {
    let seenPath = "";
    const result = await withPrivateTempFile("secret.xml", "<secret/>", async (filePath) => {
      seenPath = filePath;
      expect(fs.statSync(filePath).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(filePath)).mode & 0o777).toBe(0o700);
      expect(fs.readFileSync(filePath, "utf8")).toBe("<secret/>");
      return "done";
    });
    expect(result).toBe("done");
    expect(fs.existsSync(seenPath)).toBe(false);
    expect(fs.existsSync(path.dirname(seenPath))).toBe(false);
  });

  test("removes the directory when the callback fails", async () => {
    let seenPath = "";
    await expect(
      withPrivateTempFile("f", "x", async (filePath) => {
        seenPath = filePath;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(fs.existsSync(path.dirname(seenPath))).toBe(false);
  });

  test("stays private under a permissive umask", async () => {
    const previous = process.umask(0);
    try {
      await withPrivateTempFile("f", "x", async (filePath) => {
        expect(fs.statSync(filePath).mode & 0o777).toBe(0o600);
      });
    } finally {
      process.umask(previous);
    }
  });

  test("refuses a file name that is a path", async () => {
    await expect(withPrivateTempFile("../escape", "x", async () => undefined)).rejects.toThrow(/plain file name/);
  });
});
