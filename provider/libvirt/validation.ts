// Checks for the non-secret fields of a libvirt secret. Each returns why a value is invalid,
// or undefined when it is valid, so a provider's check() can report every problem at once.

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Canonical form only (lowercase, hyphenated): libvirt accepts other spellings but always reports
 * the canonical one, so anything else would never compare equal when read back.
 */
export function validateUuid(uuid: unknown): string | undefined {
  if (typeof uuid !== "string") return `a secret UUID must be a string, got ${typeof uuid}`;
  if (!CANONICAL_UUID.test(uuid)) {
    return `a secret UUID must be lowercase and hyphenated like 457eb676-33da-42ec-9a8c-9293d545c337, got ${JSON.stringify(uuid)}`;
  }
  return undefined;
}

const MAX_USAGE_NAME_LENGTH = 256;

/**
 * The usage name identifies the secret to its users, e.g. "client.cinder secret". Printable ASCII
 * without surrounding spaces, so it survives the XML round trip and `virsh secret-list` unchanged.
 */
export function validateUsageName(name: unknown): string | undefined {
  if (typeof name !== "string") return `a secret usage name must be a string, got ${typeof name}`;
  if (name.length === 0 || name.length > MAX_USAGE_NAME_LENGTH) {
    return `a secret usage name must be 1 to ${MAX_USAGE_NAME_LENGTH} characters, got ${name.length}`;
  }
  if (!/^[\x20-\x7e]+$/.test(name)) {
    return `a secret usage name must be printable ASCII, got ${JSON.stringify(name)}`;
  }
  if (name.trim() !== name) {
    return `a secret usage name must not start or end with a space, got ${JSON.stringify(name)}`;
  }
  return undefined;
}

/** Throws a TypeError naming the field if `problem` is set. */
export function assertValid(field: string, problem: string | undefined): void {
  if (problem !== undefined) throw new TypeError(`${field}: ${problem}`);
}
