// RBD trash against a real cluster.
import { execFile } from "child_process";
import { connectedCluster } from "./testing";
import * as ceph from "./index";

const fx = connectedCluster();
const { rbdPool } = fx;

const MiB = 1024 * 1024;


async function rados(pool: string, args: string[], input: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile("rados", ["-c", fx.tc.conf, "-p", pool, ...args], (e) => (e ? reject(e) : resolve()));
    child.stdin!.end(input);
  });
}

async function cliTrash(pool: string): Promise<Array<{ id: string; name: string }>> {
  return JSON.parse(await fx.tc.rbd("trash", "ls", pool, "--format", "json"));
}

test("move, list, restore under the original and a new name", async () => {
  const { pool, io } = await rbdPool("trash");
  await ceph.createImage(io, "vol", { size: MiB });
  const id = (await ceph.listImages(io))[0].id;
  const before = Math.floor(Date.now() / 1000);
  await ceph.trashMove(io, "vol", 3600);
  expect(await ceph.listImages(io)).toEqual([]);

  const entries = await ceph.trashList(io);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ id, name: "vol", source: "user" });
  expect(entries[0].deletionTime).toBeGreaterThanOrEqual(before - 1);
  expect(entries[0].deferredEnd).toBeGreaterThanOrEqual(entries[0].deletionTime + 3600);
  expect(await cliTrash(pool)).toEqual([{ id, name: "vol" }]);

  await ceph.trashRestore(io, id);
  expect(await ceph.listImages(io)).toEqual([{ name: "vol", id }]);
  expect(await ceph.trashList(io)).toEqual([]);

  await ceph.trashMove(io, "vol");
  await ceph.trashRestore(io, id, "renamed");
  expect(await ceph.listImages(io)).toEqual([{ name: "renamed", id }]);
  expect((await fx.tc.rbd("ls", pool)).trim()).toBe("renamed");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("trashGet: one entry by id; undefined for an id not in the trash", async () => {
  const { pool, io } = await rbdPool("trashget");
  await ceph.createImage(io, "vol", { size: MiB });
  const id = (await ceph.listImages(io))[0].id;
  expect(await ceph.trashGet(io, id)).toBeUndefined();
  await ceph.trashMove(io, "vol", 60);
  expect(await ceph.trashGet(io, id)).toEqual((await ceph.trashList(io))[0]);
  expect(await ceph.trashGet(io, id)).toMatchObject({ id, name: "vol", source: "user" });
  await ceph.trashRemove(io, id, true);
  expect(await ceph.trashGet(io, id)).toBeUndefined();
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("trashRemovals: the entries being removed (which trashList leaves out), read from rbd_trash; an unknown encoding is an error", async () => {
  const { pool, io } = await rbdPool("trashrm");
  expect(await ceph.trashRemovals(io)).toEqual([]); // no rbd_trash object yet
  await ceph.createImage(io, "going", { size: MiB });
  await ceph.createImage(io, "kept", { size: MiB });
  const ids = Object.fromEntries((await ceph.listImages(io)).map((e) => [e.name, e.id]));
  await ceph.trashMove(io, "going");
  await ceph.trashMove(io, "kept");
  expect(await ceph.trashRemovals(io)).toEqual([]); // source "user"
  // What librbd's remove writes first: the entry's source byte (after version, compat, length) set to "removing".
  const entries = new Map(await ceph.omapEntries(io, "rbd_trash"));
  const spec = Buffer.from(entries.get(`id_${ids.going}`)!);
  spec[6] = 3;
  const setEntry = (value: Buffer) => rados(pool, ["setomapval", "rbd_trash", `id_${ids.going}`], value);
  await setEntry(spec);
  expect(await ceph.trashRemovals(io)).toEqual([{ id: ids.going, name: "going" }]);
  expect((await ceph.trashList(io)).map((e) => e.name)).toEqual(["kept"]);
  expect(await ceph.trashGet(io, ids.going)).toMatchObject({ source: "removing", name: "going" });
  await setEntry(Buffer.from([2, 1, 0]));
  await expect(ceph.trashRemovals(io)).rejects.toBeInstanceOf(ceph.BadReplyError);
  await expect(ceph.trashRemovals(io)).rejects.toThrow(/list trash removals .* failed: EBADMSG/);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("objectExists and omapEntries: one object's presence and its omap in key order, paged", async () => {
  const { pool, io } = await rbdPool("omap");
  expect(await ceph.objectExists(io, "rbd_id.img")).toBe(false);
  expect(await ceph.omapEntries(io, "rbd_directory")).toEqual([]);
  for (const name of ["img", "img2", "img3"]) await ceph.createImage(io, name, { size: MiB });
  expect(await ceph.objectExists(io, "rbd_id.img")).toBe(true);
  const keys = (await ceph.omapEntries(io, "rbd_directory", { pageSize: 1 })).map(([k]) => k);
  expect(keys.filter((k) => k.startsWith("name_"))).toEqual(["name_img", "name_img2", "name_img3"]);
  expect(keys).toEqual([...keys].sort());
  expect(keys).toEqual((await ceph.omapEntries(io, "rbd_directory")).map(([k]) => k));
  await expect(ceph.objectExists(io, "a\0b")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.omapEntries(io, "rbd_directory", { pageSize: 0 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("remove: deferred images need force; purge removes expired ones only", async () => {
  const { pool, io } = await rbdPool("trashrm");
  for (const name of ["deferred", "expired1", "expired2"]) await ceph.createImage(io, name, { size: MiB });
  await ceph.trashMove(io, "deferred", 3600);
  await ceph.trashMove(io, "expired1", 0);
  await ceph.trashMove(io, "expired2", 0);
  const idOf = async (name: string) => (await ceph.trashList(io)).find((e) => e.name === name)!.id;
  const deferredId = await idOf("deferred");

  const err = await ceph.trashRemove(io, deferredId).catch((e) => e);
  expect(err).toBeInstanceOf(ceph.PermissionError);
  expect(err.code).toBe("EPERM");
  expect(err.message).toContain(`remove image from trash ${pool}/${deferredId} failed: EPERM`);

  // purge takes the two expired images and leaves the deferred one
  await new Promise((r) => setTimeout(r, 1100));
  await ceph.trashPurge(io);
  expect((await ceph.trashList(io)).map((e) => e.name)).toEqual(["deferred"]);
  expect((await cliTrash(pool)).map((e) => e.name)).toEqual(["deferred"]);

  await ceph.trashRemove(io, deferredId, true);
  expect(await ceph.trashList(io)).toEqual([]);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("error paths: missing image, missing trash id, name taken on restore", async () => {
  const { pool, io } = await rbdPool("trasherr");
  await expect(ceph.trashMove(io, "nope")).rejects.toBeInstanceOf(ceph.NotFoundError);
  await expect(ceph.trashRestore(io, "0123456789ab")).rejects.toBeInstanceOf(ceph.NotFoundError);
  await expect(ceph.trashRemove(io, "0123456789ab", true)).rejects.toBeInstanceOf(ceph.NotFoundError);
  await expect(ceph.trashMove(io, "x", -1)).rejects.toBeInstanceOf(ceph.InvalidArgumentError);

  await ceph.createImage(io, "vol", { size: MiB });
  await ceph.trashMove(io, "vol");
  const id = (await ceph.trashList(io))[0].id;
  await ceph.createImage(io, "vol", { size: MiB });
  await expect(ceph.trashRestore(io, id)).rejects.toBeInstanceOf(ceph.ExistsError);
  await ceph.trashRestore(io, id, "vol-restored");
  expect((await ceph.listImages(io)).map((i) => i.name).sort()).toEqual(["vol", "vol-restored"]);

  // An image still open elsewhere can be moved to the trash, but not deleted from it.
  const img = await ceph.openImage(io, "vol");
  await ceph.trashMove(io, "vol");
  const openId = (await ceph.trashList(io)).find((e) => e.name === "vol")!.id;
  await expect(ceph.trashRemove(io, openId, true)).rejects.toBeInstanceOf(ceph.BusyError);
  await img.close();
  await ceph.trashRemove(io, openId, true);
  expect((await ceph.trashList(io)).map((e) => e.name)).toEqual([]);

  await io.close();
  await expect(ceph.trashList(io)).rejects.toBeInstanceOf(ceph.ClosedError);
  await expect(ceph.trashPurge(io)).rejects.toBeInstanceOf(ceph.ClosedError);
  await ceph.deletePool(fx.cluster, pool);
});

test("an image in the trash is reached by id: its snapshots can be cleaned up before removal", async () => {
  const { pool, io } = await rbdPool("trashid");
  await ceph.createImage(io, "parent", { size: MiB });
  await ceph.withImage(io, "parent", async (img) => {
    await img.createSnap("golden");
    await img.protectSnap("golden");
  });
  await ceph.trashMove(io, "parent");
  const [entry] = await ceph.trashList(io);
  await expect(ceph.trashRemove(io, entry.id)).rejects.toMatchObject({ code: "ENOTEMPTY" });
  const img = await ceph.openImageById(io, entry.id, { name: "parent" });
  expect((await img.listSnaps()).map((s) => [s.name, s.protected])).toEqual([["golden", true]]);
  await img.unprotectSnap("golden");
  await img.removeSnap("golden");
  await img.close();
  await ceph.trashRemove(io, entry.id);
  expect(await cliTrash(pool)).toEqual([]);
  await expect(ceph.openImageById(io, entry.id)).rejects.toMatchObject({ code: "ENOENT" });
  await io.close();
});
