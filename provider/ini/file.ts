/**
 * Reading and atomically replacing config files.
 *
 * A service reading its config while we write must see either the old file or
 * the new one, never half of it: we write a temporary file in the same
 * directory (same filesystem, so rename is atomic), fsync it, and rename it
 * over the target.
 */

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Mode for files we create: readable by the service's group (e.g. root:cinder), not by others. */
export const DEFAULT_NEW_FILE_MODE = 0o640;

/** The file's text, or undefined if it does not exist. */
export function readTextFile(filePath: string): string | undefined {
  try {
    return fs.readFileSync(filePath, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

/**
 * Replaces the file's content atomically.
 *
 * An existing file keeps its mode, owner and group (services usually read their
 * config through the group, e.g. root:cinder 0640); `mode` applies only when
 * the file is new. A symlink is followed and its target replaced, so the link
 * stays in place.
 */
export function writeTextFileAtomic(filePath: string, text: string, mode: number = DEFAULT_NEW_FILE_MODE): void {
  const target = resolveSymlinks(filePath);
  const existing = statIfExists(target);
  const directory = path.dirname(target);
  // The service's package makes its config directory: a missing one is a wrong path, said plainly.
  if (!fs.existsSync(directory)) throw new Error(`cannot write ${filePath}: directory ${directory} does not exist`);
  const temporary = path.join(directory, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);

  const fd = fs.openSync(temporary, "wx", 0o600);
  try {
    try {
      fs.writeFileSync(fd, text, "utf8");
      if (existing !== undefined) {
        const created = fs.fstatSync(fd);
        // chown before chmod: changing the owner clears set-id bits.
        if (created.uid !== existing.uid || created.gid !== existing.gid) fs.fchownSync(fd, existing.uid, existing.gid);
      }
      fs.fchmodSync(fd, existing === undefined ? mode : existing.mode & 0o7777);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(directory);
}

function statIfExists(filePath: string): fs.Stats | undefined {
  try {
    return fs.statSync(filePath);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

/** Follows symlinks, including a dangling one, to the path that should be written. */
function resolveSymlinks(filePath: string): string {
  let current = path.resolve(filePath);
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = fs.readlinkSync(current);
    } catch (error) {
      if (isErrno(error, "EINVAL") || isErrno(error, "ENOENT")) return current; // not a symlink, or not there yet
      throw error;
    }
    current = path.resolve(path.dirname(current), link);
  }
  throw new Error(`too many levels of symbolic links: ${filePath}`);
}

/** Makes the rename itself durable; best effort, as some filesystems refuse fsync on directories. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(directory, "r");
    fs.fsyncSync(fd);
  } catch {
    // The data is already written; only durability across a crash is weaker.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as NodeJS.ErrnoException).code === code;
}
