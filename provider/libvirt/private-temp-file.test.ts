import * as fs from "fs";
import * as path from "path";
import * as os from "os";
import { memoryBackedTempDir, withPrivateTempFile } from "./private-temp-file";

describe("withPrivateTempFile", () => {
  test("the file is 0600 in a 0700 directory while in use, and both are gone afterwards", async () => {
    // The callback's assertions count: a callback that never ran would fail here.
    expect.assertions(6);
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
    expect.assertions(1);
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

describe("memoryBackedTempDir", () => {
  test("is /dev/shm on this machine (RAM-backed), with nothing to warn about", () => {
    const warnings: string[] = [];
    expect(memoryBackedTempDir("/dev/shm", (m) => warnings.push(m))).toBe("/dev/shm");
    expect(warnings).toEqual([]);
  });

  test("falling back to the disk temp dir says so, and why", () => {
    const warnings: string[] = [];
    const missing = path.join(os.tmpdir(), `no-shm-${process.pid}`);
    expect(memoryBackedTempDir(missing, (m) => warnings.push(m))).toBe(os.tmpdir());
    expect(warnings).toEqual([`libvirt secret: the key file goes to ${os.tmpdir()}, not to RAM-backed ${missing}: it does not exist`]);
    const file = path.join(os.tmpdir(), `shm-file-${process.pid}`);
    fs.writeFileSync(file, "");
    try {
      expect(memoryBackedTempDir(file, (m) => warnings.push(m))).toBe(os.tmpdir());
      expect(warnings[1]).toMatch(/: it is not a directory$/);
    } finally {
      fs.rmSync(file);
    }
  });
});
