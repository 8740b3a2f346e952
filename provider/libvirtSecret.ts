// LibvirtCephSecret: the libvirt secret (usage ceph, a chosen UUID) holding a Ceph client key, so
// QEMU can attach RBD disks for Nova and Cinder. The key reaches virsh only through a private file.
// State keeps no digest of the value (a digest would let anyone holding the state test guessed
// keys): read compares the daemon's value with the declared key and records only whether it matches.
// The secret's description names its owner, so a create finds its own secret and nobody else's.
import { createHash } from "crypto";
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { defineCephSecret, getCephSecret, undefineCephSecret } from "./libvirt/secret";
import { ownerSchema } from "./ownership";
import { cephxKey, containsUnknown, parseInputs, UNKNOWN } from "./validate";

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const libvirtSecretInputs = z.object({
  /** libvirt connection URI, e.g. qemu:///system on a compute node. */
  uri: z.string().min(1),
  uuid: z.string().regex(UUID_PATTERN, "must be a canonical lowercase UUID (8-4-4-4-12)"),
  usageName: z.string().min(1).max(256).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters or line breaks"),
  key: cephxKey(),
  timeoutSec: z.number().positive().max(600).default(30),
  /** Set by the SDK: "<project>/<stack>/<resource>", written into the secret's description. */
  owner: ownerSchema,
  /** Set by the SDK from the `import` resource option (the UUID): adopt this existing secret. */
  importId: z.string().optional(),
});

type LibvirtSecretInputs = z.output<typeof libvirtSecretInputs>;

const MARKER = "managed by Pulumi: ";
const describeOwner = (owner: string | undefined) => (owner ? `${MARKER}${owner}` : undefined);
const ownerIn = (description: string | undefined) => (description?.startsWith(MARKER) ? description.slice(MARKER.length) : undefined);

async function state(inputs: LibvirtSecretInputs) {
  const s = await getCephSecret({ uri: inputs.uri, uuid: inputs.uuid, timeoutMs: inputs.timeoutSec * 1000 });
  if (!s) return undefined;
  return {
    ...inputs,
    usageName: s.usageName ?? "",
    usageType: s.usageType,
    valueMatches: s.value === inputs.key,
  };
}

function define(inputs: LibvirtSecretInputs) {
  return defineCephSecret({
    uri: inputs.uri,
    uuid: inputs.uuid,
    usageName: inputs.usageName,
    key: inputs.key,
    description: describeOwner(inputs.owner),
    timeoutMs: inputs.timeoutSec * 1000,
  });
}

export const libvirtSecretProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(libvirtSecretInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    if (!parsed.complete) return { inputs: { ...news, ...parsed.value, valueMatches: UNKNOWN } };
    // The declared side of what read reports (same names), so a drift report compares like with like.
    return { inputs: { ...news, ...parsed.value, valueMatches: true } };
  },

  async diff(_id, olds, news) {
    // During a preview the key may not be known yet (a rotation upstream): that is a change.
    if (containsUnknown(news)) return { changes: true, replaces: containsUnknown(news.uuid) ? ["uuid"] : [] };
    const inputs = libvirtSecretInputs.parse(news);
    const changed: string[] = [];
    if (olds.uri !== inputs.uri) changed.push("uri");
    if (olds.uuid !== inputs.uuid) changed.push("uuid");
    if (olds.usageName !== inputs.usageName) changed.push("usageName");
    // valueMatches is read's verdict; a state from before it kept an unsalted digest instead.
    const legacyDigest = olds.valueSha256 !== undefined && olds.valueSha256 !== createHash("sha256").update(inputs.key).digest("hex");
    if (olds.key !== inputs.key || olds.valueMatches === false || legacyDigest) changed.push("value");
    // libvirt will not move a UUID to another usage name: that is a new secret. On one daemon both the
    // UUID and the usage (ceph, name) are unique, so the old secret goes first unless it is elsewhere.
    const replaces = changed.filter((p) => p === "uri" || p === "uuid" || p === "usageName");
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && !replaces.includes("uri") };
  },

  async create(raw) {
    const inputs = libvirtSecretInputs.parse(raw);
    const where = `libvirt secret ${inputs.uuid} at ${inputs.uri}`;
    const existing = await getCephSecret({ uri: inputs.uri, uuid: inputs.uuid, timeoutMs: inputs.timeoutSec * 1000 });
    if (inputs.importId !== undefined) {
      if (inputs.importId !== inputs.uuid) throw new Error(`import id "${inputs.importId}" does not name ${where} (expected "${inputs.uuid}")`);
      if (!existing) throw new Error(`cannot import ${where}: it does not exist`);
      const found = [
        ...(existing.usageType !== "ceph" ? [`usage type: declared "ceph", actual "${existing.usageType}"`] : []),
        ...(existing.usageName !== inputs.usageName ? [`usageName: declared ${JSON.stringify(inputs.usageName)}, actual ${JSON.stringify(existing.usageName)}`] : []),
        ...(existing.value !== inputs.key ? ["value differs"] : []),
      ];
      if (found.length > 0) throw new Error(`cannot import ${where}: the declaration differs (${found.join("; ")}). Make the program match, import, then change it`);
      return { id: inputs.uuid, outs: (await state(inputs))! };
    }
    if (existing) {
      const owner = ownerIn(existing.description);
      // Only this resource's own secret (a create cut short) is finished; anyone else's is left alone.
      if (!inputs.owner || owner !== inputs.owner) {
        const by = owner ? `it was created by ${owner}` : "it was not created by this stack";
        throw new Error(
          `${where} already exists and ${by}; nothing was changed. To manage it from this resource, declare it with the ` +
            `resource option import: "${inputs.uuid}" (the declaration must match it)`,
        );
      }
    }
    await define(inputs);
    return { id: inputs.uuid, outs: (await state(inputs))! };
  },

  async read(id, props) {
    const inputs = libvirtSecretInputs.parse(props);
    const outs = await state(inputs);
    return outs ? { id, props: outs } : {};
  },

  async update(_id, _olds, news) {
    const inputs = libvirtSecretInputs.parse(news);
    await define(inputs);
    return { outs: (await state(inputs))! };
  },

  async delete(_id, props) {
    const inputs = libvirtSecretInputs.parse(props);
    await undefineCephSecret({ uri: inputs.uri, uuid: inputs.uuid, timeoutMs: inputs.timeoutSec * 1000 });
  },
};
