// cephx users: typed wrappers around the `auth` mon commands. Keys are secrets: they are
// redacted from every error message (Ceph's `outs` text included).
import { jsonReply, type Cluster } from "./cluster";
import { cephError, ErrorContext, invalidArgument } from "./errors";

export type CapService = "mon" | "osd" | "mgr" | "mds";
export type Caps = Partial<Record<CapService, string>>;

export interface AuthEntity {
  entity: string;
  key: string;
  caps: Caps;
}

const SERVICES: CapService[] = ["mon", "osd", "mgr", "mds"];
// cephx keys are base64 of a 28-byte blob (40 characters).
const KEY_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

function checkEntity(c: Cluster, entity: unknown, op: string): ErrorContext {
  const ctx = c.ctx({ entity: typeof entity === "string" ? entity : String(entity) });
  if (typeof entity !== "string" || !/^[a-z]+\.[^\s\0"]+$/.test(entity)) {
    throw invalidArgument(op, ctx, `entity must look like "client.NAME"`);
  }
  return ctx;
}

/** ["mon", "allow r", "osd", "profile rbd pool=volumes", ...] as the auth commands expect. */
function capsList(caps: Caps, op: string, ctx: ErrorContext): string[] {
  if (typeof caps !== "object" || caps === null) throw invalidArgument(op, ctx, "caps must be an object");
  const list: string[] = [];
  for (const [service, cap] of Object.entries(caps)) {
    if (!SERVICES.includes(service as CapService)) throw invalidArgument(op, ctx, `unknown cap service "${service}"`);
    if (cap === undefined) continue;
    // Quotes and newlines would break the keyring text used by authImport.
    if (typeof cap !== "string" || /["\n\r\0]/.test(cap)) throw invalidArgument(op, ctx, `${service} cap must be a single-line string without quotes`);
    list.push(service, cap);
  }
  return list;
}

function toEntity(raw: { entity: string; key: string; caps?: Record<string, string> }): AuthEntity {
  const caps: Caps = {};
  for (const [service, cap] of Object.entries(raw.caps ?? {})) {
    if (SERVICES.includes(service as CapService)) caps[service as CapService] = cap;
  }
  return { entity: raw.entity, key: raw.key, caps };
}

/** Returns the user, creating it with these caps if missing (EINVAL if it exists with other caps). */
export async function authGetOrCreate(c: Cluster, entity: string, caps: Caps): Promise<AuthEntity> {
  const op = "auth get-or-create";
  const ctx = checkEntity(c, entity, op);
  const json = jsonReply(
    await c.command("mon", { prefix: op, entity, caps: capsList(caps, op, ctx), format: "json" }, undefined, { entity }),
    "array", op, ctx,
  );
  if (!json[0]) throw cephError("EBADMSG", op, ctx, { detail: "expected the user in the reply" });
  return toEntity(json[0]);
}

/** NotFoundError if the user does not exist. */
export async function authGet(c: Cluster, entity: string): Promise<AuthEntity> {
  const op = "auth get";
  const ctx = checkEntity(c, entity, op);
  // A missing user is the mon's ENOENT; a reply we cannot read must not pass for one.
  const json = jsonReply(await c.command("mon", { prefix: op, entity, format: "json" }, undefined, { entity }), "array", op, ctx);
  if (!json[0]) throw cephError("EBADMSG", op, ctx, { detail: "expected the user in the reply" });
  return toEntity(json[0]);
}

/** Replaces all of the user's caps (services left out lose their caps). */
export async function authCaps(c: Cluster, entity: string, caps: Caps): Promise<void> {
  const op = "auth caps";
  const ctx = checkEntity(c, entity, op);
  await c.command("mon", { prefix: op, entity, caps: capsList(caps, op, ctx) }, undefined, { entity });
}

export async function authDel(c: Cluster, entity: string): Promise<void> {
  const op = "auth del";
  checkEntity(c, entity, op);
  await c.command("mon", { prefix: op, entity }, undefined, { entity });
}

/** Creates the user or replaces its key and caps in place (keyring text sent as the command input). */
export async function authImport(c: Cluster, entity: string, key: string, caps: Caps): Promise<void> {
  const op = "auth import";
  const ctx = checkEntity(c, entity, op);
  if (typeof key !== "string" || !KEY_PATTERN.test(key)) throw invalidArgument(op, ctx, "key must be a base64 cephx key");
  const list = capsList(caps, op, ctx);
  let keyring = `[${entity}]\n\tkey = ${key}\n`;
  for (let i = 0; i < list.length; i += 2) keyring += `\tcaps ${list[i]} = "${list[i + 1]}"\n`;
  await c.command("mon", { prefix: op }, Buffer.from(keyring, "utf8"), { entity }, { redact: [key] });
}

export async function authPrintKey(c: Cluster, entity: string): Promise<string> {
  const op = "auth print-key";
  const ctx = checkEntity(c, entity, op);
  const json = jsonReply(await c.command("mon", { prefix: op, entity, format: "json" }, undefined, { entity }), "object", op, ctx);
  if (typeof json.key !== "string") throw cephError("EBADMSG", op, ctx, { detail: "expected a key in the reply" });
  return json.key;
}
