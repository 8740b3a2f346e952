// LibvirtCephSecret: the libvirt secret (usage ceph, a chosen UUID) holding a Ceph client key, so
// QEMU can attach RBD disks for Nova and Cinder. The key reaches virsh only through a private file;
// state keeps a digest of the value, so read detects a changed or missing secret.
import { createHash } from "crypto";
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { defineCephSecret, getCephSecret, undefineCephSecret } from "./libvirt/secret";
import { cephxKey, containsUnknown, parseInputs } from "./validate";

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const libvirtSecretInputs = z.object({
  /** libvirt connection URI, e.g. qemu:///system on a compute node. */
  uri: z.string().min(1),
  uuid: z.string().regex(UUID_PATTERN, "must be a canonical lowercase UUID (8-4-4-4-12)"),
  usageName: z.string().min(1).max(256).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters or line breaks"),
  key: cephxKey(),
  timeoutSec: z.number().positive().max(600).default(30),
});

type LibvirtSecretInputs = z.output<typeof libvirtSecretInputs>;

const digest = (value: string) => createHash("sha256").update(value).digest("hex");

async function state(inputs: LibvirtSecretInputs) {
  const s = await getCephSecret({ uri: inputs.uri, uuid: inputs.uuid, timeoutMs: inputs.timeoutSec * 1000 });
  if (!s) return undefined;
  return {
    ...inputs,
    usageName: s.usageName ?? "",
    usageType: s.usageType,
    valueSha256: s.value === undefined ? "" : digest(s.value),
  };
}

export const libvirtSecretProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(libvirtSecretInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },

  async diff(_id, olds, news) {
    // During a preview the key may not be known yet (a rotation upstream): that is a change.
    if (containsUnknown(news)) return { changes: true, replaces: containsUnknown(news.uuid) ? ["uuid"] : [] };
    const inputs = libvirtSecretInputs.parse(news);
    const changed: string[] = [];
    if (olds.uri !== inputs.uri) changed.push("uri");
    if (olds.uuid !== inputs.uuid) changed.push("uuid");
    if (olds.usageName !== inputs.usageName) changed.push("usageName");
    if (olds.valueSha256 !== digest(inputs.key)) changed.push("value");
    // libvirt will not move a UUID to another usage name: that is a new secret.
    const replaces = changed.filter((p) => p === "uri" || p === "uuid" || p === "usageName");
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.includes("usageName") && !replaces.includes("uuid") };
  },

  async create(raw) {
    const inputs = libvirtSecretInputs.parse(raw);
    await defineCephSecret({ uri: inputs.uri, uuid: inputs.uuid, usageName: inputs.usageName, key: inputs.key, timeoutMs: inputs.timeoutSec * 1000 });
    return { id: inputs.uuid, outs: (await state(inputs))! };
  },

  async read(id, props) {
    const inputs = libvirtSecretInputs.parse(props);
    const outs = await state(inputs);
    return outs ? { id, props: outs } : {};
  },

  async update(_id, _olds, news) {
    const inputs = libvirtSecretInputs.parse(news);
    await defineCephSecret({ uri: inputs.uri, uuid: inputs.uuid, usageName: inputs.usageName, key: inputs.key, timeoutMs: inputs.timeoutSec * 1000 });
    return { outs: (await state(inputs))! };
  },

  async delete(_id, props) {
    const inputs = libvirtSecretInputs.parse(props);
    await undefineCephSecret({ uri: inputs.uri, uuid: inputs.uuid, timeoutMs: inputs.timeoutSec * 1000 });
  },
};
