// RBD images against a real cluster; results are checked with the rbd CLI where it matters.
import { uniqueName } from "../test/helpers/cluster";
import { connectedCluster, rejection } from "./testing";
import { addon, ImageHandle } from "./binding";
import * as ceph from "./index";

const fx = connectedCluster();
const { rbdPool } = fx;

const MiB = 1024 * 1024;


async function rbdInfo(spec: string): Promise<any> {
  return JSON.parse(await fx.tc.rbd("info", spec, "--format", "json"));
}

test("create, stat, resize, list, rename, remove", async () => {
  const { pool, io } = await rbdPool("img");
  await ceph.createImage(io, "vol1", { size: 10 * MiB });
  const info = await rbdInfo(`${pool}/vol1`);
  expect(info.size).toBe(10 * MiB);

  const img = await ceph.openImage(io, "vol1");
  expect(img.name).toBe("vol1");
  expect(img.pool).toBe(pool);
  const st = await img.stat();
  expect(st).toMatchObject({
    size: 10 * MiB,
    objectSize: 4 * MiB,
    order: 22,
    numObjs: 3,
    id: info.id,
    blockNamePrefix: info.block_name_prefix,
    featureNames: info.features,
    flags: 0,
  });
  expect(st.features).toBe(Number(ceph.featureMask(info.features)));
  expect(st.parent).toBeUndefined();

  await img.resize(20 * MiB);
  expect((await img.stat()).size).toBe(20 * MiB);
  expect((await rbdInfo(`${pool}/vol1`)).size).toBe(20 * MiB);
  await img.resize(5n * BigInt(MiB), { allowShrink: true });
  expect((await rbdInfo(`${pool}/vol1`)).size).toBe(5 * MiB);
  await img.close();

  expect(await ceph.listImages(io)).toEqual([{ name: "vol1", id: info.id }]);
  await ceph.renameImage(io, "vol1", "vol2");
  expect((await ceph.listImages(io)).map((i) => i.name)).toEqual(["vol2"]);
  await ceph.removeImage(io, "vol2");
  expect(await ceph.listImages(io)).toEqual([]);
  expect((await fx.tc.rbd("ls", pool)).trim()).toBe("");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("shrinking without allowShrink rejects, naming both sizes, and leaves the size alone; with it the image shrinks", async () => {
  const { pool, io } = await rbdPool("shrink");
  await ceph.createImage(io, "vol", { size: 8 * MiB });
  await ceph.withImage(io, "vol", async (img) => {
    const err = await rejection(img.resize(4 * MiB));
    expect(err).toBeInstanceOf(ceph.InvalidArgumentError);
    expect(err.op).toBe("resize image");
    expect(err.message).toContain(`resize image ${pool}/vol failed: EINVAL`);
    expect(err.message).toContain(`shrinking from ${8 * MiB} to ${4 * MiB} bytes needs allowShrink`);
    expect((await img.stat()).size).toBe(8 * MiB);
    // The addon itself refuses it: the check and the resize are one call, answering the size before.
    expect(await addon().imageResize(img.handle, BigInt(2 * MiB), false)).toBe(8 * MiB);
    expect((await img.stat()).size).toBe(8 * MiB);
    // growing and same-size need no flag
    await img.resize(8 * MiB);
  });
  expect((await rbdInfo(`${pool}/vol`)).size).toBe(8 * MiB);
  await ceph.withImage(io, "vol", (img) => img.resize(4 * MiB, { allowShrink: true }));
  expect((await rbdInfo(`${pool}/vol`)).size).toBe(4 * MiB);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("ENOENT on a missing image, EEXIST on an existing one, with pool/image in the message", async () => {
  const { pool, io } = await rbdPool("errs");
  const missing = await rejection(ceph.removeImage(io, "nope"));
  expect(missing).toBeInstanceOf(ceph.NotFoundError);
  expect(missing).toMatchObject({ errno: 2, code: "ENOENT", op: "remove image", pool, image: "nope", cluster: fx.tc.conf });
  expect(missing.message).toBe(`ceph cluster ${fx.tc.conf}: remove image ${pool}/nope failed: ENOENT (No such file or directory)`);
  await expect(ceph.openImage(io, "nope")).rejects.toBeInstanceOf(ceph.NotFoundError);
  await expect(ceph.renameImage(io, "nope", "other")).rejects.toBeInstanceOf(ceph.NotFoundError);

  await ceph.createImage(io, "dup", { size: MiB });
  const exists = await rejection(ceph.createImage(io, "dup", { size: MiB }));
  expect(exists).toBeInstanceOf(ceph.ExistsError);
  expect(exists).toMatchObject({ errno: 17, code: "EEXIST", image: "dup" });
  expect(ceph.isCephError(exists, "EEXIST")).toBe(true);
  expect(ceph.isCephError(exists, "ENOENT")).toBe(false);

  // A missing pool
  await expect(fx.cluster.openIoCtx(uniqueName("no-pool"))).rejects.toBeInstanceOf(ceph.NotFoundError);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("statImage: one call, the same stat as an opened image's; errors name the image", async () => {
  const { pool, io } = await rbdPool("statname");
  await ceph.createImage(io, "vol", { size: 10 * MiB });
  const byName = await ceph.statImage(io, "vol");
  const opened = await ceph.withImage(io, "vol", (img) => img.stat(), { readOnly: true });
  expect(byName).toEqual(opened);
  expect(byName).toMatchObject({ size: 10 * MiB, id: (await rbdInfo(`${pool}/vol`)).id, dataPool: pool });
  expect(byName.parent).toBeUndefined();

  // A clone reports its parent, as stat on an opened clone does.
  await ceph.withImage(io, "vol", async (img) => {
    await img.createSnap("s");
    await img.protectSnap("s");
  });
  await ceph.cloneImage(io, "vol", "s", io, "child");
  expect((await ceph.statImage(io, "child")).parent).toMatchObject({ pool, image: "vol", snapshot: "s", id: byName.id });

  await ceph.removeImage(io, "child");

  const missing = await rejection(ceph.statImage(io, "nope"));
  expect(missing).toBeInstanceOf(ceph.NotFoundError);
  expect(missing).toMatchObject({ code: "ENOENT", op: "stat image", pool, image: "nope", cluster: fx.tc.conf });
  await expect(ceph.statImage(io, "a/b")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await io.close();
  await expect(ceph.statImage(io, "vol")).rejects.toBeInstanceOf(ceph.ClosedError);
  await ceph.deletePool(fx.cluster, pool);
});

test("arguments are validated in TypeScript", async () => {
  const { pool, io } = await rbdPool("args");
  await expect(ceph.createImage(io, "a", { size: -1 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.createImage(io, "a", { size: 1.5 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.createImage(io, "a", { size: 1n << 64n })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.createImage(io, "", { size: 1 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.createImage(io, "a/b", { size: 1 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.createImage(io, "a", { size: 1, order: 40 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  expect(() => ceph.featureMask(["layering", "warp-drive"])).toThrow(ceph.InvalidArgumentError);
  // librbd's own validation: striping needs a stripe unit dividing the object size
  await expect(ceph.createImage(io, "a", { size: MiB, stripeUnit: 3000, stripeCount: 2 })).rejects.toBeInstanceOf(
    ceph.InvalidArgumentError,
  );
  expect(await ceph.listImages(io)).toEqual([]);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("create options: features, order, striping, bigint size; omitted features = cluster default", async () => {
  const { pool, io } = await rbdPool("opts");
  await ceph.createImage(io, "default", { size: MiB });
  const defaults = (await fx.tc.ceph("config", "get", "client", "rbd_default_features")).trim().split(",");
  expect((await rbdInfo(`${pool}/default`)).features).toEqual(defaults);

  await ceph.createImage(io, "custom", {
    size: 3n * BigInt(MiB),
    features: ceph.featureMask(["layering", "striping"]),
    order: 20,
    stripeUnit: 256 * 1024,
    stripeCount: 4,
  });
  const info = await rbdInfo(`${pool}/custom`);
  expect(info).toMatchObject({ size: 3 * MiB, order: 20, object_size: MiB, stripe_unit: 256 * 1024, stripe_count: 4 });
  expect(info.features).toEqual(["layering", "striping"]);
  await ceph.withImage(io, "custom", async (img) => {
    const st = await img.stat();
    expect(st.featureNames).toEqual(["layering", "striping"]);
    expect(st.features).toBe(3);
    expect(st.objectSize).toBe(MiB);
  });

  await ceph.createImage(io, "numfeat", { size: MiB, features: 1 });
  expect((await rbdInfo(`${pool}/numfeat`)).features).toEqual(["layering"]);
  expect(ceph.featureNames(61)).toEqual(["layering", "exclusive-lock", "object-map", "fast-diff", "deep-flatten"]);
  expect(ceph.featureNames(1n << 40n)).toEqual(["bit-40"]);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("feature names: every mask of librbd's twelve bits round-trips through featureMask, in bit order, the same for number and bigint; other bits named by position", () => {
  const bitOf = (name: string) => ceph.featureMask([name]).toString(2).length;
  for (let m = 0; m < 4096; m++) {
    const names = ceph.featureNames(m);
    expect(ceph.featureMask(names)).toBe(BigInt(m));
    expect([...names].sort((a, b) => bitOf(a) - bitOf(b))).toEqual(names);
    expect(ceph.featureNames(BigInt(m))).toEqual(names);
  }
  expect(ceph.featureNames((1 << 20) | 1)).toEqual(["layering", "bit-20"]);
  expect(ceph.featureNames(2 ** 31)).toEqual(["bit-31"]);
  expect(ceph.featureNames((1n << 40n) | (1n << 20n) | 1n)).toEqual(["layering", "bit-20", "bit-40"]);
  expect(() => ceph.featureNames(1.5)).toThrow(RangeError);
});

test("data pool option", async () => {
  const { pool, io } = await rbdPool("meta");
  const dataPool = uniqueName("data");
  await ceph.createPool(fx.cluster, dataPool, { pgNum: 8 });
  await ceph.enableApplication(fx.cluster, dataPool, "rbd");
  await ceph.createImage(io, "split", { size: MiB, dataPool });
  const info = await rbdInfo(`${pool}/split`);
  expect(info.data_pool).toBe(dataPool);
  expect(info.features).toContain("data-pool");
  // stat names the data pool; an image without one keeps its data in its own pool.
  expect(await ceph.withImage(io, "split", async (img) => (await img.stat()).dataPool, { readOnly: true })).toBe(dataPool);
  await ceph.createImage(io, "whole", { size: MiB });
  expect(await ceph.withImage(io, "whole", async (img) => (await img.stat()).dataPool, { readOnly: true })).toBe(pool);
  await ceph.removeImage(io, "whole");
  await ceph.removeImage(io, "split");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
  await ceph.deletePool(fx.cluster, dataPool);
});

test("64 concurrent creates on one connection, then 64 concurrent removes", async () => {
  const { pool, io } = await rbdPool("many");
  const names = Array.from({ length: 64 }, (_, i) => `vol-${String(i).padStart(2, "0")}`);
  await Promise.all(names.map((name) => ceph.createImage(io, name, { size: MiB })));
  const listed = (await ceph.listImages(io)).map((i) => i.name).sort();
  expect(listed).toEqual(names);
  expect((await fx.tc.rbd("ls", pool)).trim().split("\n").sort()).toEqual(names);
  // opens and stats interleaved on the same connection
  const sizes = await Promise.all(names.slice(0, 16).map((name) => ceph.withImage(io, name, async (img) => (await img.stat()).size)));
  expect(sizes).toEqual(Array(16).fill(MiB));
  await Promise.all(names.map((name) => ceph.removeImage(io, name)));
  expect(await ceph.listImages(io)).toEqual([]);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("watchers: a read-write open shows up from another connection; read-only opens do not", async () => {
  const { pool, io } = await rbdPool("watch");
  await ceph.createImage(io, "vol", { size: MiB });
  const other = await ceph.connect({ monHost: fx.tc.monHost, key: fx.tc.adminKey, retries: 0 });
  const otherIo = await other.openIoCtx(pool);
  const observer = await ceph.openImage(otherIo, "vol", { readOnly: true });
  expect(await observer.listWatchers()).toEqual([]);

  const writer = await ceph.openImage(io, "vol");
  const watchers = await observer.listWatchers();
  expect(watchers).toHaveLength(1);
  expect(watchers[0]).toEqual({ addr: expect.stringMatching(/^127\.0\.0\.1:\d+\/\d+$/), id: expect.any(Number), cookie: expect.any(Number) });
  const status = JSON.parse(await fx.tc.rbd("status", `${pool}/vol`, "--format", "json"));
  expect(status.watchers.map((w: { address: string }) => w.address)).toEqual([watchers[0].addr]);
  expect(await writer.listWatchers()).toEqual(watchers);

  // An image with a watcher cannot be removed.
  const busy = await rejection(ceph.removeImage(otherIo, "vol"));
  expect(busy).toBeInstanceOf(ceph.BusyError);
  expect(busy.errno).toBe(16);

  await writer.close();
  expect(await observer.listWatchers()).toEqual([]);
  await observer.close();
  await other.close();
  await ceph.removeImage(io, "vol");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("metadata: set, get, list, remove", async () => {
  const { pool, io } = await rbdPool("md");
  await ceph.createImage(io, "vol", { size: MiB });
  await ceph.withImage(io, "vol", async (img) => {
    expect(await img.metadataList()).toEqual({});
    expect(await img.metadataGet("missing")).toBeUndefined();
    await img.metadataSet("owner", "cinder");
    await img.metadataSet("conf_rbd_cache", "false");
    const long = "x".repeat(5000);
    await img.metadataSet("long", long);
    expect(await img.metadataGet("owner")).toBe("cinder");
    expect(await img.metadataGet("long")).toBe(long);
    expect(await img.metadataList()).toEqual({ owner: "cinder", conf_rbd_cache: "false", long });
    expect((await fx.tc.rbd("image-meta", "get", `${pool}/vol`, "owner")).trim()).toBe("cinder");
    await img.metadataRemove("owner");
    expect(await img.metadataGet("owner")).toBeUndefined();
    await expect(img.metadataRemove("owner")).rejects.toBeInstanceOf(ceph.NotFoundError);
    // more keys than one listing page
    await Promise.all(Array.from({ length: 150 }, (_, i) => img.metadataSet(`k${String(i).padStart(3, "0")}`, `v${i}`)));
    const all = await img.metadataList();
    expect(Object.keys(all)).toHaveLength(152);
    expect(all.k149).toBe("v149");
  });
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("diskUsage matches rbd du after writing data", async () => {
  const { pool, io } = await rbdPool("du");
  await ceph.createImage(io, "vol", { size: 64 * MiB });
  await ceph.withImage(io, "vol", async (img) => {
    expect(await img.diskUsage()).toEqual({ provisioned: 64 * MiB, used: 0 });
  });
  await fx.tc.rbd("bench", "--io-type", "write", "--io-threads", "1", "--io-size", "1M", "--io-total", "12M", "--io-pattern", "seq", `${pool}/vol`);
  const du = JSON.parse(await fx.tc.rbd("du", `${pool}/vol`, "--format", "json"));
  await ceph.withImage(io, "vol", async (img) => {
    const usage = await img.diskUsage();
    expect(usage.provisioned).toBe(64 * MiB);
    expect(usage.used).toBe(du.images[0].used_size);
    expect(usage.used).toBe(12 * MiB);
  });
  // Without fast-diff the objects are listed instead; still whole objects, like rbd du.
  await ceph.createImage(io, "plain", { size: 16 * MiB, features: ceph.featureMask(["layering"]) });
  await fx.tc.rbd("bench", "--io-type", "write", "--io-threads", "1", "--io-size", "1M", "--io-total", "3M", "--io-pattern", "seq", `${pool}/plain`);
  const plainDu = JSON.parse(await fx.tc.rbd("du", `${pool}/plain`, "--format", "json"));
  await ceph.withImage(io, "plain", async (img) => {
    expect(await img.diskUsage()).toEqual({ provisioned: 16 * MiB, used: plainDu.images[0].used_size });
    expect(plainDu.images[0].used_size).toBe(4 * MiB);
  });
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("open at a snapshot / read-only", async () => {
  const { pool, io } = await rbdPool("ro");
  await ceph.createImage(io, "vol", { size: 4 * MiB });
  await ceph.withImage(io, "vol", async (img) => {
    await img.createSnap("s1");
    await img.resize(8 * MiB);
  });
  const atSnap = await ceph.openImage(io, "vol", { snapshot: "s1" });
  expect(atSnap.snapshot).toBe("s1");
  expect((await atSnap.stat()).size).toBe(4 * MiB);
  const err = await rejection(atSnap.resize(16 * MiB));
  expect(err.message).toContain(`${pool}/vol@s1`);
  await atSnap.close();
  await expect(ceph.openImage(io, "vol", { snapshot: "nope" })).rejects.toBeInstanceOf(ceph.NotFoundError);
  const ro = await ceph.openImage(io, "vol", { readOnly: true });
  expect((await ro.stat()).size).toBe(8 * MiB);
  await expect(ro.metadataSet("k", "v")).rejects.toBeInstanceOf(ceph.CephError);
  await ro.close();
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("image calls after close reject with ClosedError; close waits for in-flight calls", async () => {
  const { pool, io } = await rbdPool("closed");
  await ceph.createImage(io, "vol", { size: MiB });
  const img = await ceph.openImage(io, "vol");
  const inflight = [img.stat(), img.listWatchers(), img.metadataList(), img.listSnaps()];
  const closing = img.close();
  const [st] = await Promise.all(inflight);
  expect((st as ceph.ImageStat).size).toBe(MiB);
  await closing;
  await img.close(); // idempotent
  const err = await rejection(img.stat());
  expect(err).toBeInstanceOf(ceph.ClosedError);
  expect(err.message).toBe(`ceph cluster ${fx.tc.conf}: stat image ${pool}/vol failed: ECLOSED (image is closed)`);
  await expect(img.createSnap("s")).rejects.toBeInstanceOf(ceph.ClosedError);
  await expect(img.resize(2 * MiB)).rejects.toBeInstanceOf(ceph.ClosedError);
  // the watch was released: the image can be removed
  await ceph.removeImage(io, "vol");

  // withImage closes even when fn throws
  await ceph.createImage(io, "vol2", { size: MiB });
  let seen: ceph.Image | undefined;
  await expect(
    ceph.withImage(io, "vol2", async (i) => {
      seen = i;
      throw new Error("boom");
    }),
  ).rejects.toThrow("boom");
  expect(seen?.closed).toBe(true);
  expect(JSON.parse(await fx.tc.rbd("status", `${pool}/vol2`, "--format", "json")).watchers).toEqual([]);

  await io.close();
  await expect(ceph.listImages(io)).rejects.toBeInstanceOf(ceph.ClosedError);
  await expect(ceph.createImage(io, "x", { size: 1 })).rejects.toBeInstanceOf(ceph.ClosedError);
  await ceph.deletePool(fx.cluster, pool);
});

test("the addon itself refuses closed and wrong-kind handles (no crash)", async () => {
  const { pool, io } = await rbdPool("raw");
  await ceph.createImage(io, "vol", { size: MiB });
  const native = addon();
  const handle = await native.imageOpen(io.handle, "vol", null, false, false);
  // close while calls are in flight: they finish, the handle is released after them
  const inflight = Promise.all([native.imageStat(handle), native.listWatchers(handle), native.metadataList(handle)]);
  const closing = native.imageClose(handle);
  const [st] = await inflight;
  expect(st.size).toBe(MiB);
  await closing;
  await native.imageClose(handle); // second close resolves
  const err = await native.imageStat(handle).catch((e) => e);
  expect(err).toMatchObject({ code: "ECLOSED", op: "stat image" });
  await expect(native.snapCreate(handle, "s")).rejects.toMatchObject({ code: "ECLOSED" });
  expect(() => native.imageStat(io.handle as unknown as ImageHandle)).toThrow("expected an image handle");
  expect(() => native.imageStat({} as ImageHandle)).toThrow("expected an image handle");
  expect(JSON.parse(await fx.tc.rbd("status", `${pool}/vol`, "--format", "json")).watchers).toEqual([]);

  // closing an ioctx while an image opened through it is still open: the ioctx refuses new
  // calls at once, and is really released only after the image closes.
  const io2 = await native.ioctxOpen(fx.cluster.handle, pool);
  const img2 = await native.imageOpen(io2, "vol", null, false, false);
  await native.ioctxClose(io2);
  await expect(native.imageList(io2)).rejects.toMatchObject({ code: "ECLOSED" });
  expect((await native.imageStat(img2)).size).toBe(MiB);
  await native.imageClose(img2);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});
