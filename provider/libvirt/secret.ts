// The libvirt secret that holds a Ceph client key for Nova and Cinder (RBD disks attached by QEMU),
// managed through virsh against an explicit connection URI.
//
// The key never appears on a command line (visible to every user in /proc/PID/cmdline) nor in an
// error message: it reaches virsh through a 0600 file in a private, RAM-backed temp dir that is
// removed right after, and comes back on virsh's stdout.
import { validateCephxKey } from "../cephx";
import { memoryBackedTempDir, withPrivateTempFile } from "./private-temp-file";
import { parseSecretXml, renderCephSecretXml } from "./secret-xml";
import { assertValid, validateUsageName, validateUuid } from "./validation";
import { runVirsh, VirshError } from "./virsh";

export interface LibvirtConnection {
  /** e.g. "qemu:///system" on a compute node, or "secret:///system?socket=/path/libvirt-sock". */
  uri: string;
  /** Bound for each virsh invocation (a call makes one or two); default DEFAULT_VIRSH_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface CephSecretSpec extends LibvirtConnection {
  /** Canonical UUID; Nova's rbd_secret_uuid and Cinder's rbd_secret_uuid name the secret by it. */
  uuid: string;
  /** e.g. "client.cinder secret". Unique per libvirt daemon among ceph secrets. */
  usageName: string;
  /** The cephx key as `ceph auth get-key client.X` prints it (base64, starts with "AQ"). */
  key: string;
  /** The secret's description (the provider puts its owner marker there). */
  description?: string;
}

export interface CephSecretState {
  uuid: string;
  /** "ceph" for secrets made here; anything else means someone redefined the UUID. */
  usageType: string;
  usageName: string | undefined;
  /** The key (base64), or undefined if the secret exists but was never given a value. */
  value: string | undefined;
  description?: string;
}

/**
 * Defines the secret (or updates it, if the UUID exists with the same usage) and sets its value.
 * Idempotent: calling it again with another key replaces the value.
 * libvirt refuses to move an existing UUID to another usage name, or to give a usage name a
 * second UUID; both surface as a VirshError ("failed").
 */
export async function defineCephSecret(spec: CephSecretSpec): Promise<void> {
  assertValid("uuid", validateUuid(spec.uuid));
  assertValid("usageName", validateUsageName(spec.usageName));
  assertValid("key", validateCephxKey(spec.key));
  const { uri, timeoutMs, uuid } = spec;

  // The XML holds no secret, but goes through a private file anyway: virsh only reads it from a path.
  await withPrivateTempFile("secret.xml", renderCephSecretXml(uuid, spec.usageName, spec.description), (xmlPath) =>
    runVirsh({ uri, timeoutMs, args: ["secret-define", xmlPath] }),
  );
  // Not `--file /dev/stdin`: Node gives children a socketpair, not a pipe, as stdin, and virsh
  // cannot open(2) that ("No such device or address").
  // Without --plain, virsh base64-decodes the file, so libvirt stores the key's 28 raw bytes and
  // hands QEMU the same base64 text that `ceph auth get-key` printed.
  await withPrivateTempFile(
    "key.base64",
    spec.key,
    (keyPath) => runVirsh({ uri, timeoutMs, args: ["secret-set-value", uuid, "--file", keyPath], redact: [spec.key] }),
    memoryBackedTempDir(),
  );
}

/**
 * Reads the secret back, value included (for drift detection: the value is whatever the daemon
 * holds now, even if it was changed by hand). Undefined when no secret has this UUID; throws
 * a VirshError when the daemon cannot be asked, so "gone" is never confused with "unreachable".
 */
export async function getCephSecret(conn: LibvirtConnection & { uuid: string }): Promise<CephSecretState | undefined> {
  assertValid("uuid", validateUuid(conn.uuid));
  const { uri, timeoutMs, uuid } = conn;

  const xml = await orUndefinedIfNotFound(runVirsh({ uri, timeoutMs, args: ["secret-dumpxml", uuid] }));
  if (xml === undefined) return undefined;
  const description = parseSecretXml(xml);

  let value: string | undefined;
  try {
    // Prints the value base64-encoded, i.e. exactly the cephx key text.
    value = (await runVirsh({ uri, timeoutMs, args: ["secret-get-value", uuid] })).trim();
  } catch (err) {
    if (!(err instanceof VirshError && err.kind === "not-found")) throw err;
    // libvirt reports a secret without a value as "not found" too; anything else means it just went away.
    if (!/does not have a value/.test(err.detail)) return undefined;
    value = undefined;
  }
  return {
    uuid: description.uuid,
    usageType: description.usageType,
    usageName: description.usageName,
    value,
    ...(description.description !== undefined ? { description: description.description } : {}),
  };
}

/** Removes the secret. Succeeds if it is already gone. */
export async function undefineCephSecret(conn: LibvirtConnection & { uuid: string }): Promise<void> {
  assertValid("uuid", validateUuid(conn.uuid));
  const { uri, timeoutMs, uuid } = conn;
  await orUndefinedIfNotFound(runVirsh({ uri, timeoutMs, args: ["secret-undefine", uuid] }));
}

async function orUndefinedIfNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof VirshError && err.kind === "not-found") return undefined;
    throw err;
  }
}
