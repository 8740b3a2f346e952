// cephx key format: base64 of 28 bytes = u16 type (1 = AES, LE), u32 seconds, u32 nanoseconds,
// u16 length (16), 16 secret bytes. Messages here never repeat the key itself.
import { randomBytes } from "crypto";

/** Why `key` is not a valid cephx key, or undefined when it is one. */
export function cephxKeyProblem(key: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return "is not base64";
  const raw = Buffer.from(key, "base64");
  if (raw.length !== 28) return `decodes to ${raw.length} bytes, a cephx key has 28`;
  if (raw.readUInt16LE(0) !== 1) return "is not an AES cephx key (type field is not 1)";
  if (raw.readUInt16LE(10) !== 16) return "has a secret length other than 16";
  return undefined;
}

/** A new cephx key, as `ceph-authtool --gen-print-key` makes one. */
export function generateCephxKey(now: Date = new Date()): string {
  const raw = Buffer.alloc(28);
  raw.writeUInt16LE(1, 0);
  raw.writeUInt32LE(Math.floor(now.getTime() / 1000), 2);
  raw.writeUInt32LE((now.getTime() % 1000) * 1_000_000, 6);
  raw.writeUInt16LE(16, 10);
  randomBytes(16).copy(raw, 12);
  return raw.toString("base64");
}

/** Keyring text for one entity, in the format ceph clients read. */
export function keyringText(entity: string, key: string, caps?: Partial<Record<string, string>>): string {
  const lines = [`[${entity}]`, `\tkey = ${key}`];
  for (const [daemon, cap] of Object.entries(caps ?? {})) {
    if (cap) lines.push(`\tcaps ${daemon} = "${cap.replace(/"/g, '\\"')}"`);
  }
  return lines.join("\n") + "\n";
}
