// A file only this user can read, for CLIs that take their input as a path (virsh secret-define).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Writes `contents` to DIR/`fileName`, where DIR is a fresh 0700 directory and the file is 0600,
 * runs `use` with the file's path, and removes DIR afterwards whether `use` succeeded or not.
 * DIR is made in `parentDir` (default: the OS temp dir).
 */
export async function withPrivateTempFile<T>(
  fileName: string,
  contents: string,
  use: (filePath: string) => Promise<T>,
  parentDir: string = os.tmpdir(),
): Promise<T> {
  if (fileName !== path.basename(fileName) || fileName === "." || fileName === "..") {
    throw new TypeError(`temp file name must be a plain file name, got ${JSON.stringify(fileName)}`);
  }
  // mkdtemp creates the directory 0700; the umask can only take bits away.
  const dir = await fs.promises.mkdtemp(path.join(parentDir, "pulumi-libvirt-"));
  try {
    const filePath = path.join(dir, fileName);
    // "wx": create it, never reuse or follow something already there.
    await fs.promises.writeFile(filePath, contents, { mode: 0o600, flag: "wx" });
    return await use(filePath);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/**
 * /dev/shm where the machine has it (RAM-backed: a secret written there never reaches a disk), else
 * the OS temp dir, and then `warn` says so and why: the key briefly lands on a disk.
 */
export function memoryBackedTempDir(
  shm = "/dev/shm",
  warn: (message: string) => void = (message) => console.warn(message),
): string {
  let why: string;
  try {
    if (!fs.statSync(shm).isDirectory()) throw new Error("it is not a directory");
    fs.accessSync(shm, fs.constants.W_OK);
    return shm;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    why = err.code === "ENOENT" ? "it does not exist" : err.code ? `it is not usable (${err.code})` : err.message;
  }
  const fallback = os.tmpdir();
  warn(`libvirt secret: the key file goes to ${fallback}, not to RAM-backed ${shm}: ${why}`);
  return fallback;
}
