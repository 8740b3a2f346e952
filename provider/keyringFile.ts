// KeyringFile: `ceph.client.<name>.keyring` on disk for a CephUser, always mode 0600. The key is a
// secret input; state keeps only a digest of the file, so read can tell a changed or missing file.
import { createHash } from "crypto";
import * as fs from "fs";
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { keyringText } from "./cephx";
import { readTextFile, writeTextFileAtomic } from "./ini";
import { absoluteFilePath, cephxKey, clientEntity, containsUnknown, parseInputs } from "./validate";

export const KEYRING_MODE = 0o600;

export const keyringFileInputs = z.object({
  path: absoluteFilePath(),
  entity: clientEntity(),
  key: cephxKey(),
  /** Replace a keyring file that is already there with other content (otherwise that is refused). */
  overwrite: z.boolean().default(false),
});

type KeyringFileInputs = z.output<typeof keyringFileInputs>;

const digest = (text: string) => createHash("sha256").update(text).digest("hex");
const expected = (i: KeyringFileInputs) => keyringText(i.entity, i.key);

function write(inputs: KeyringFileInputs): void {
  writeTextFileAtomic(inputs.path, expected(inputs), KEYRING_MODE);
  // An existing file keeps its mode on replace: a keyring must not stay readable by others.
  fs.chmodSync(inputs.path, KEYRING_MODE);
}

function state(inputs: KeyringFileInputs) {
  const text = readTextFile(inputs.path);
  if (text === undefined) return undefined;
  return { ...inputs, contentSha256: digest(text), fileMode: fs.statSync(inputs.path).mode & 0o777 };
}

export const keyringFileProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(keyringFileInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },

  async diff(_id, olds, news) {
    // During a preview the key may not be known yet (a rotation upstream): that is a change.
    if (containsUnknown(news)) return { changes: true, replaces: containsUnknown(news.path) ? ["path"] : [] };
    const inputs = keyringFileInputs.parse(news);
    const changed: string[] = [];
    if (olds.path !== inputs.path) changed.push("path");
    if (olds.entity !== inputs.entity || olds.key !== inputs.key) changed.push("key");
    if (olds.contentSha256 !== digest(expected(inputs))) changed.push("contentSha256");
    if (olds.fileMode !== KEYRING_MODE) changed.push("fileMode");
    return { changes: changed.length > 0, replaces: changed.includes("path") ? ["path"] : [] };
  },

  async create(raw) {
    const inputs = keyringFileInputs.parse(raw);
    const existing = readTextFile(inputs.path);
    if (existing !== undefined && existing !== expected(inputs) && !inputs.overwrite) {
      throw new Error(`keyring file ${inputs.path} already exists with other content; set overwrite: true to replace it`);
    }
    write(inputs);
    return { id: inputs.path, outs: state(inputs)! };
  },

  async read(id, props) {
    const inputs = keyringFileInputs.parse(props);
    const outs = state(inputs);
    return outs ? { id, props: outs } : {};
  },

  async update(_id, _olds, news) {
    const inputs = keyringFileInputs.parse(news);
    write(inputs);
    return { outs: state(inputs)! };
  },

  async delete(_id, props) {
    const inputs = keyringFileInputs.parse(props);
    const text = readTextFile(inputs.path);
    // Someone else's file now (rewritten since): leave it.
    if (text !== undefined && digest(text) === props.contentSha256) fs.unlinkSync(inputs.path);
  },
};
