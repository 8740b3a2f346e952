// KeyringFile: `ceph.client.<name>.keyring` on disk for a CephUser, always mode 0600. The key is a
// secret input. State keeps no digest of the file (that would let anyone holding the state test
// guessed keys): read compares the file with the text the declared key gives and records only
// whether it matches. The file's first line, a comment, names its owner: a create finds its own
// file (a crash) and refuses anyone else's, even one with the same key.
import { createHash } from "crypto";
import * as fs from "fs";
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { keyringText } from "./cephx";
import { readTextFile, writeTextFileAtomic } from "./ini";
import { ownerSchema } from "./ownership";
import { absoluteFilePath, cephxKey, clientEntity, containsUnknown, parseInputs, UNKNOWN } from "./validate";

export const KEYRING_MODE = 0o600;

export const keyringFileInputs = z.object({
  path: absoluteFilePath(),
  entity: clientEntity(),
  key: cephxKey(),
  /** Replace a keyring file that is already there with other content (otherwise that is refused). */
  overwrite: z.boolean().default(false),
  /** Set by the SDK: "<project>/<stack>/<resource>", written as the file's first (comment) line. */
  owner: ownerSchema,
});

type KeyringFileInputs = z.output<typeof keyringFileInputs>;

const MARKER = "# managed by Pulumi: ";
// Ceph's keyring parser skips '#' comment lines.
const expected = (i: KeyringFileInputs) => `${i.owner ? `${MARKER}${i.owner}\n` : ""}${keyringText(i.entity, i.key)}`;
const ownerIn = (text: string) => (text.startsWith(MARKER) ? text.slice(MARKER.length).split("\n")[0] : undefined);
/** Only for states written before contentMatches: they kept this unsalted digest. */
const legacyDigest = (text: string) => createHash("sha256").update(text).digest("hex");

function write(inputs: KeyringFileInputs): void {
  writeTextFileAtomic(inputs.path, expected(inputs), KEYRING_MODE);
  // An existing file keeps its mode on replace: a keyring must not stay readable by others.
  fs.chmodSync(inputs.path, KEYRING_MODE);
}

function state(inputs: KeyringFileInputs) {
  const text = readTextFile(inputs.path);
  if (text === undefined) return undefined;
  return { ...inputs, contentMatches: text === expected(inputs), fileMode: fs.statSync(inputs.path).mode & 0o777 };
}

export const keyringFileProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(keyringFileInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    // Key not known yet (its user is being updated): the content will be known then; the mode is.
    if (!parsed.complete) return { inputs: { ...news, ...parsed.value, contentMatches: UNKNOWN, fileMode: KEYRING_MODE } };
    // The declared side of what read reports (same names), so a drift report compares like with like.
    return { inputs: { ...news, ...parsed.value, contentMatches: true, fileMode: KEYRING_MODE } };
  },

  async diff(_id, olds, news) {
    // During a preview the key may not be known yet (a rotation upstream): that is a change.
    if (containsUnknown(news)) return { changes: true, replaces: containsUnknown(news.path) ? ["path"] : [] };
    const inputs = keyringFileInputs.parse(news);
    const changed: string[] = [];
    if (olds.path !== inputs.path) changed.push("path");
    if (olds.entity !== inputs.entity || olds.key !== inputs.key) changed.push("key");
    if (olds.contentMatches === false) changed.push("contentMatches");
    if (olds.contentMatches === undefined && olds.contentSha256 !== legacyDigest(expected(inputs))) changed.push("contentMatches");
    if (olds.fileMode !== KEYRING_MODE) changed.push("fileMode");
    return { changes: changed.length > 0, replaces: changed.includes("path") ? ["path"] : [] };
  },

  async create(raw) {
    const inputs = keyringFileInputs.parse(raw);
    const existing = readTextFile(inputs.path);
    // Only this resource's own file (a create cut short) is taken as is; a file someone else wrote,
    // even with the same key, stays theirs unless overwrite says to replace it.
    const own = existing !== undefined && inputs.owner !== undefined && existing === expected(inputs);
    if (existing !== undefined && !own && !inputs.overwrite) {
      const owner = ownerIn(existing);
      const by = owner ? `was written by ${owner}` : existing === keyringText(inputs.entity, inputs.key) ? "was not created by this stack" : "has other content";
      throw new Error(`keyring file ${inputs.path} already exists and ${by}; nothing was changed. Set overwrite: true to replace it`);
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
    const ours = props.contentSha256 !== undefined ? text !== undefined && legacyDigest(text) === props.contentSha256 : text === expected(inputs);
    if (text !== undefined && ours) fs.unlinkSync(inputs.path);
  },
};
