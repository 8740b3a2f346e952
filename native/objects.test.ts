// Object listing across namespaces, removal of one object, pool application metadata and pool rename, against a real
// cluster; and mon replies that are not the JSON asked for.
import { execFile } from "child_process";
import { connectedCluster } from "./testing";
import { jsonReply, parseJson } from "./cluster";
import * as ceph from "./index";
import { uniqueName } from "../test/helpers/cluster";

const fx = connectedCluster();
const MiB = 1024 * 1024;

const names = (objs: ceph.PoolObject[]) => objs.map((o) => `${o.namespace}|${o.name}`).sort();

test("listObjects sees every namespace, whatever namespace the ioctx is in, and honours the limit", async () => {
  const { pool, io } = await fx.rbdPool("objs");
  await fx.tc.rbd("namespace", "create", `${pool}/ns1`);
  const nsIo = await fx.cluster.openIoCtx(pool, "ns1");
  await ceph.createImage(nsIo, "hidden", { size: MiB });
  const all = names(await ceph.listObjects(io));
  expect(all).toEqual(expect.arrayContaining(["ns1|rbd_id.hidden", "|rbd_info", "|rbd_namespace"]));
  // The same answer through an ioctx set to the namespace (the listing does not depend on it).
  expect(names(await ceph.listObjects(nsIo))).toEqual(all);
  // The RBD listing of the default namespace does not see the image at all.
  expect(await ceph.listImages(io)).toEqual([]);
  // rados' own listing agrees.
  const cli = (await execRados(pool)).sort();
  expect(all).toEqual(cli);
  expect(await ceph.listObjects(io, 2)).toHaveLength(2);
  await expect(ceph.listObjects(io, 0)).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await nsIo.close();
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("removeObject removes one object of the ioctx's namespace: NotFoundError once gone, bad names refused", async () => {
  const { pool, io } = await fx.rbdPool("rmobj");
  await ceph.createImage(io, "img", { size: MiB });
  await ceph.removeObject(io, "rbd_id.img");
  // The id object is what a name opens by: without it the image no longer opens.
  await expect(ceph.openImage(io, "img")).rejects.toBeInstanceOf(ceph.NotFoundError);
  expect(names(await ceph.listObjects(io))).not.toContain("|rbd_id.img");
  await expect(ceph.removeObject(io, "rbd_id.img")).rejects.toThrow(/remove object .*\/rbd_id\.img failed: ENOENT/);
  for (const bad of ["", "a\0b", 7]) await expect(ceph.removeObject(io, bad as string)).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

async function execRados(pool: string): Promise<string[]> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile("rados", ["-c", fx.tc.conf, "-p", pool, "ls", "--all"], { encoding: "utf8" }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
  );
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (l.includes("\t") ? l.replace("\t", "|") : `|${l}`));
}

test("application metadata: set and read back; rename keeps it; a taken name is EEXIST", async () => {
  const pool = uniqueName("appmeta");
  await ceph.createPool(fx.cluster, pool, { pgNum: 8 });
  await ceph.enableApplication(fx.cluster, pool, "pulumi");
  await ceph.setApplicationMetadata(fx.cluster, pool, "pulumi", "pulumi-owner", "proj/stack/res");
  expect(await ceph.getApplications(fx.cluster, pool)).toEqual({ pulumi: { "pulumi-owner": "proj/stack/res" } });
  expect((await fx.tc.cephJson("osd", "pool", "application", "get", pool)).pulumi["pulumi-owner"]).toBe("proj/stack/res");
  await expect(ceph.setApplicationMetadata(fx.cluster, pool, "pulumi", "k", "two\nlines")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  const renamed = `${pool}-renamed`;
  await ceph.renamePool(fx.cluster, pool, renamed);
  expect(await ceph.listPools(fx.cluster)).toEqual(expect.arrayContaining([renamed]));
  expect(await ceph.listPools(fx.cluster)).not.toContain(pool);
  expect((await ceph.getApplications(fx.cluster, renamed)).pulumi["pulumi-owner"]).toBe("proj/stack/res");
  const other = uniqueName("taken");
  await ceph.createPool(fx.cluster, other, { pgNum: 8 });
  await expect(ceph.renamePool(fx.cluster, renamed, other)).rejects.toBeInstanceOf(ceph.ExistsError);
  await ceph.deletePool(fx.cluster, renamed);
  await ceph.deletePool(fx.cluster, other);
});

test("a reply that is not the JSON asked for is an error naming cluster and operation, not an empty result", () => {
  const ctx = { cluster: "lab" };
  const bad = () => parseJson(Buffer.from('[{"pool": "vol'), true, "osd pool ls", ctx);
  expect(bad).toThrow(ceph.BadReplyError);
  expect(bad).toThrow(/^ceph cluster lab: osd pool ls failed: EBADMSG/);
  // Plain-text replies of commands that did not ask for JSON stay text.
  expect(parseJson(Buffer.from("not json"), false, "status", ctx)).toBeUndefined();
  expect(() => jsonReply({ outs: "", outbuf: Buffer.alloc(0) }, "array", "osd pool ls", ctx)).toThrow(/ceph cluster lab: osd pool ls failed: EBADMSG.*expected a JSON array/);
  expect(() => jsonReply({ outs: "", outbuf: Buffer.alloc(0), json: {} }, "array", "osd pool ls", ctx)).toThrow(ceph.BadReplyError);
  expect(jsonReply({ outs: "", outbuf: Buffer.alloc(0), json: ["a"] }, "array", "osd pool ls", ctx)).toEqual(["a"]);
});

test("omapSet and omapRemoveKey write one entry each, as rados reads them; a missing object or key is nothing to remove", async () => {
  const { pool, io } = await fx.rbdPool("omapw");
  const oid = "test.records";
  // No object yet: removing a key is a no-op and creates nothing.
  await ceph.omapRemoveKey(io, oid, "a");
  expect(await ceph.objectExists(io, oid)).toBe(false);
  await ceph.omapSet(io, oid, "a", "one");
  await ceph.omapSet(io, oid, "b/c", Buffer.from([0, 1, 2]));
  await ceph.omapSet(io, oid, "a", "uno");
  const entries = await ceph.omapEntries(io, oid);
  expect(entries.map(([k, v]) => [k, v.toString("hex")])).toEqual([
    ["a", Buffer.from("uno").toString("hex")],
    ["b/c", "000102"],
  ]);
  expect((await execRadosArgs(pool, "listomapkeys", oid)).split("\n").filter(Boolean)).toEqual(["a", "b/c"]);
  await ceph.omapRemoveKey(io, oid, "a");
  await ceph.omapRemoveKey(io, oid, "never-set");
  expect((await ceph.omapEntries(io, oid)).map(([k]) => k)).toEqual(["b/c"]);
  for (const bad of ["", "a\0b", 7]) {
    await expect(ceph.omapSet(io, oid, bad as string, "v")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
    await expect(ceph.omapRemoveKey(io, oid, bad as string)).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
    await expect(ceph.omapSet(io, bad as string, "k", "v")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  }
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

async function execRadosArgs(pool: string, ...args: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) =>
    execFile("rados", ["-c", fx.tc.conf, "-p", pool, ...args], { encoding: "utf8" }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
  );
}
