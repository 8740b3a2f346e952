// Ownership for the resources that live outside Ceph, on real files and a real libvirt daemon
// (scripts/libvirtd.sh): a KeyringFile or LibvirtCephSecret create adopts only its own object and
// refuses anyone else's, even one identical to the declaration; state keeps no digest of a key.
import { createHash, randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startLibvirtd, type TestLibvirtd } from "../test/helpers/libvirtd";
import { generateCephxKey, keyringText } from "./cephx";
import { keyringFileProvider } from "./keyringFile";
import { libvirtSecretProvider } from "./libvirtSecret";

let dir: string;
let daemon: TestLibvirtd;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ownership-files-"));
  daemon = startLibvirtd();
});
afterAll(() => {
  daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const noDigestOf = (outs: object, ...texts: string[]) => {
  const state = JSON.stringify(outs);
  for (const t of texts) expect(state).not.toContain(sha256(t));
};

describe("KeyringFile", () => {
  const owner = "proj/stack/cinder-keyring";
  const key = generateCephxKey();
  const inputs = (p: string, extra: object = {}) => ({ path: p, entity: "client.cinder", key, owner, ...extra });

  test("a file identical to the declaration but written by someone else is refused and left as it is", async () => {
    const p = path.join(dir, "identical.keyring");
    fs.writeFileSync(p, keyringText("client.cinder", key), { mode: 0o600 });
    await expect(keyringFileProvider.create(inputs(p))).rejects.toThrow(
      `keyring file ${p} already exists and was not created by this stack; nothing was changed. Set overwrite: true to replace it`,
    );
    expect(fs.readFileSync(p, "utf8")).toBe(keyringText("client.cinder", key));
  });

  test("another owner's file is refused naming it; overwrite replaces it and makes it this resource's", async () => {
    const p = path.join(dir, "theirs.keyring");
    const theirs = `# managed by Pulumi: proj/other/keyring\n${keyringText("client.cinder", key)}`;
    fs.writeFileSync(p, theirs, { mode: 0o600 });
    await expect(keyringFileProvider.create(inputs(p))).rejects.toThrow(/already exists and was written by proj\/other\/keyring; nothing was changed/);
    expect(fs.readFileSync(p, "utf8")).toBe(theirs);
    const { outs } = await keyringFileProvider.create(inputs(p, { overwrite: true }));
    expect(fs.readFileSync(p, "utf8")).toBe(`# managed by Pulumi: ${owner}\n${keyringText("client.cinder", key)}`);
    expect(outs.contentMatches).toBe(true);
  });

  test("its own file (a create cut short) is adopted; state has no digest; destroy removes it", async () => {
    const p = path.join(dir, "own.keyring");
    const first = await keyringFileProvider.create(inputs(p));
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    // The checkpoint was lost: the same create again adopts the file.
    const again = await keyringFileProvider.create(inputs(p));
    expect(again.outs).toEqual(first.outs);
    noDigestOf(again.outs, fs.readFileSync(p, "utf8"), key);
    // A hand edit is seen by read.
    fs.appendFileSync(p, "\tcaps mon = \"allow *\"\n");
    expect((await keyringFileProvider.read!(p, again.outs)).props?.contentMatches).toBe(false);
    // Changed since: destroy leaves someone else's content alone; back as written: destroy removes it.
    await keyringFileProvider.delete!(p, again.outs);
    expect(fs.existsSync(p)).toBe(true);
    fs.writeFileSync(p, `# managed by Pulumi: ${owner}\n${keyringText("client.cinder", key)}`);
    await keyringFileProvider.delete!(p, again.outs);
    expect(fs.existsSync(p)).toBe(false);
  });
});

describe("LibvirtCephSecret", () => {
  const key = generateCephxKey();
  const inputs = (uuid: string, extra: object = {}) => ({ uri: daemon.uri, uuid, usageName: `client.cinder-${uuid.slice(0, 8)} secret`, key, owner: "proj/stack/secret", ...extra });
  const defineByHand = async (uuid: string, usageName: string, description?: string) => {
    const xml = path.join(dir, `${uuid}.xml`);
    fs.writeFileSync(
      xml,
      `<secret ephemeral='no' private='no'><uuid>${uuid}</uuid>${description ? `<description>${description}</description>` : ""}<usage type='ceph'><name>${usageName}</name></usage></secret>`,
    );
    await daemon.virsh(["secret-define", xml]);
    const keyFile = path.join(dir, `${uuid}.key`);
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    await daemon.virsh(["secret-set-value", uuid, "--file", keyFile]);
    fs.rmSync(keyFile);
  };

  test("an existing secret with the declared UUID, usage and value, made by hand, is refused and left alone", async () => {
    const uuid = randomUUID();
    await defineByHand(uuid, inputs(uuid).usageName);
    await expect(libvirtSecretProvider.create(inputs(uuid))).rejects.toThrow(
      `libvirt secret ${uuid} at ${daemon.uri} already exists and it was not created by this stack; nothing was changed. ` +
        `To manage it from this resource, declare it with the resource option import: "${uuid}"`,
    );
    expect(await daemon.virsh(["secret-dumpxml", uuid])).not.toContain("<description>");
    // With the import option it is adopted, unchanged.
    const { outs } = await libvirtSecretProvider.create(inputs(uuid, { importId: uuid }));
    expect(outs.valueMatches).toBe(true);
    expect(await daemon.virsh(["secret-dumpxml", uuid])).not.toContain("<description>");
    // An import whose key differs says so, never showing either key.
    const other = generateCephxKey();
    const err = await libvirtSecretProvider.create(inputs(uuid, { importId: uuid, key: other })).catch((e: Error) => e);
    expect(String(err)).toMatch(/cannot import .*: the declaration differs \(value differs\)/);
    expect(String(err)).not.toContain(key);
    expect(String(err)).not.toContain(other);
    await libvirtSecretProvider.delete!(uuid, outs);
  });

  test("another owner's secret is refused naming it; its own is adopted; state has no digest of the key", async () => {
    const uuid = randomUUID();
    await defineByHand(uuid, inputs(uuid).usageName, "managed by Pulumi: proj/other/secret");
    await expect(libvirtSecretProvider.create(inputs(uuid))).rejects.toThrow(/already exists and it was created by proj\/other\/secret; nothing was changed/);
    await daemon.virsh(["secret-undefine", uuid]);
    const first = await libvirtSecretProvider.create(inputs(uuid));
    expect(await daemon.virsh(["secret-dumpxml", uuid])).toContain("<description>managed by Pulumi: proj/stack/secret</description>");
    const again = await libvirtSecretProvider.create(inputs(uuid));
    expect(again.outs).toEqual(first.outs);
    noDigestOf(again.outs, key);
    await libvirtSecretProvider.delete!(uuid, again.outs);
    await expect(daemon.virsh(["secret-dumpxml", uuid])).rejects.toThrow();
  });
});
