// The shape of a cephx key as `ceph auth get-key` prints it: base64 of 28 bytes,
//   u16 type (1 = AES, little endian) | u32 created sec | u32 created nsec | u16 length (16) | 16 key bytes.
// So every key starts with "AQ" and is 40 characters long. Messages here never echo the key.
import { randomBytes } from "crypto";

const CEPHX_KEY_BYTES = 28;
const CEPHX_AES_TYPE = 1;
const CEPHX_AES_SECRET_BYTES = 16;

/** Returns why `key` is not a cephx key, or undefined if it is one. The reason never contains the key. */
export function validateCephxKey(key: unknown): string | undefined {
  if (typeof key !== "string") return `a cephx key must be a string, got ${typeof key}`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
    return "a cephx key must be base64 text as 'ceph auth get-key' prints it; the value given has other characters";
  }
  const bytes = Buffer.from(key, "base64");
  // Re-encoding must give the same text: libvirt stores the decoded bytes and prints them back
  // canonically, so a non-canonical key would read back as a different string (endless drift).
  if (bytes.toString("base64") !== key) return "a cephx key must be canonical, padded base64";
  if (bytes.length !== CEPHX_KEY_BYTES) {
    return `a cephx key must decode to ${CEPHX_KEY_BYTES} bytes, got ${bytes.length}`;
  }
  if (bytes.readUInt16LE(0) !== CEPHX_AES_TYPE) return "a cephx key must be of type 1 (AES): it starts with 'AQ'";
  if (bytes.readUInt16LE(10) !== CEPHX_AES_SECRET_BYTES) {
    return `a cephx key must hold a ${CEPHX_AES_SECRET_BYTES}-byte secret`;
  }
  return undefined;
}

/** A fresh random cephx key, in the same format as `ceph-authtool --gen-print-key`. */
export function generateCephxKey(createdAt: Date = new Date()): string {
  const bytes = Buffer.alloc(CEPHX_KEY_BYTES);
  const ms = createdAt.getTime();
  bytes.writeUInt16LE(CEPHX_AES_TYPE, 0);
  bytes.writeUInt32LE(Math.floor(ms / 1000), 2);
  bytes.writeUInt32LE((ms % 1000) * 1_000_000, 6);
  bytes.writeUInt16LE(CEPHX_AES_SECRET_BYTES, 10);
  randomBytes(CEPHX_AES_SECRET_BYTES).copy(bytes, 12);
  return bytes.toString("base64");
}

/** Keyring text for one entity, in the format ceph clients read. */
export function keyringText(entity: string, key: string, caps?: Partial<Record<string, string>>): string {
  const lines = [`[${entity}]`, `\tkey = ${key}`];
  for (const [daemon, cap] of Object.entries(caps ?? {})) {
    if (cap) lines.push(`\tcaps ${daemon} = "${cap.replace(/"/g, '\\"')}"`);
  }
  return lines.join("\n") + "\n";
}
