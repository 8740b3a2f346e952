import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { readTextFile, writeTextFileAtomic } from "./file";

describe("readTextFile / writeTextFileAtomic", () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "ini-file-"));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  const modeOf = (file: string): number => fs.statSync(file).mode & 0o7777;

  it("returns undefined for a missing file", () => {
    expect(readTextFile(path.join(directory, "missing.conf"))).toBeUndefined();
  });

  it("creates a new file with 0640 by default, or the caller's mode", () => {
    const file = path.join(directory, "cinder.conf");
    writeTextFileAtomic(file, "[DEFAULT]\n");
    expect(readTextFile(file)).toBe("[DEFAULT]\n");
    expect(modeOf(file)).toBe(0o640);

    const other = path.join(directory, "other.conf");
    writeTextFileAtomic(other, "x", 0o600);
    expect(modeOf(other)).toBe(0o600);
  });

  it("keeps an existing file's mode and leaves no temporary file behind", () => {
    const file = path.join(directory, "nova.conf");
    fs.writeFileSync(file, "old");
    fs.chmodSync(file, 0o604);
    writeTextFileAtomic(file, "new\r\n", 0o600);
    expect(fs.readFileSync(file, "utf8")).toBe("new\r\n");
    expect(modeOf(file)).toBe(0o604);
    expect(fs.readdirSync(directory)).toEqual(["nova.conf"]);
  });

  it("replaces the file by rename, so an open reader keeps the old content", () => {
    const file = path.join(directory, "glance-api.conf");
    fs.writeFileSync(file, "old");
    const before = fs.statSync(file).ino;
    writeTextFileAtomic(file, "new");
    expect(fs.statSync(file).ino).not.toBe(before);
  });

  it("writes through a symlink and keeps the link", () => {
    const target = path.join(directory, "real.conf");
    const link = path.join(directory, "link.conf");
    fs.writeFileSync(target, "old");
    fs.symlinkSync("real.conf", link);
    writeTextFileAtomic(link, "new");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, "utf8")).toBe("new");
  });

  it("keeps the owner and group of an existing file (tests run as root, as CI does)", () => {
    // Only root can give a file away: run as anyone else, this fails loudly instead of passing unseen.
    if (process.getuid?.() !== 0) throw new Error("this test needs root (CI runs as root; run the suite with sudo)");
    const file = path.join(directory, "owned.conf");
    fs.writeFileSync(file, "old");
    fs.chownSync(file, 1234, 5678);
    writeTextFileAtomic(file, "new");
    const stat = fs.statSync(file);
    expect([stat.uid, stat.gid]).toEqual([1234, 5678]);
  });

  it("fails without touching the target when the directory is missing", () => {
    expect(() => writeTextFileAtomic(path.join(directory, "nope", "x.conf"), "x")).toThrow(/cannot write .*x.conf: directory .*nope does not exist/);
  });
});
