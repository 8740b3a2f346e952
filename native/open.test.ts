// An image's open and close (native/src/open.cc): librbd's aio open and close, started from the JS
// thread and settled there without a libuv thread, on a real cluster.
import * as crypto from "crypto";
import { addon } from "./binding";
import { connectedCluster } from "./testing";
import * as ceph from "./index";

const fx = connectedCluster();
const MiB = 1024 * 1024;

async function watchers(spec: string): Promise<unknown[]> {
  return JSON.parse(await fx.tc.rbd("status", spec, "--format", "json")).watchers;
}

async function rejection(p: Promise<unknown>): Promise<ceph.CephError> {
  try {
    await p;
  } catch (e) {
    return e as ceph.CephError;
  }
  throw new Error("expected a rejection");
}

/** Keeps every libuv threadpool thread busy for about `ms`, whatever this machine's speed. */
function busyThreadpool(ms: number): Promise<void>[] {
  const t0 = process.hrtime.bigint();
  crypto.pbkdf2Sync("k", "salt", 20_000, 32, "sha512");
  const msPer20k = Number(process.hrtime.bigint() - t0) / 1e6;
  const iterations = Math.max(20_000, Math.round((ms / msPer20k) * 20_000));
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  return Array.from(
    { length: threads },
    () => new Promise<void>((resolve, reject) => crypto.pbkdf2("k", "salt", iterations, 32, "sha512", (e) => (e ? reject(e) : resolve()))),
  );
}

test("opens (by name and id, read-write and read-only) and closes are answered while every threadpool thread is busy", async () => {
  const { pool, io } = await fx.rbdPool("aioopen");
  await ceph.createImage(io, "v", { size: MiB });
  const { id } = await ceph.statImage(io, "v");
  const order: string[] = [];
  const busy = busyThreadpool(2000).map((p) => p.then(() => order.push("threadpool job")));
  const openClose = async (open: Promise<ceph.Image>, label: string) => {
    const img = await open;
    order.push(`${label} open`);
    await img.close();
    order.push(`${label} closed`);
  };
  // A read-write open takes a watch on the header; checked before its close, from the CLI.
  const rw = await ceph.openImage(io, "v");
  const whileOpen = await watchers(`${pool}/v`);
  await Promise.all([
    openClose(ceph.openImage(io, "v", { readOnly: true }), "read-only"),
    openClose(ceph.openImageById(io, id, { readOnly: true }), "by id"),
    openClose(Promise.resolve(rw), "read-write"),
  ]);
  await Promise.all(busy);
  expect(order.slice(0, 6).sort()).toEqual(
    ["by id closed", "by id open", "read-only closed", "read-only open", "read-write closed", "read-write open"],
  );
  expect(whileOpen).toHaveLength(1);
  expect(await watchers(`${pool}/v`)).toEqual([]);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("an open that fails names the image, and its ioctx stays usable and closes", async () => {
  const { pool, io } = await fx.rbdPool("aiomiss");
  const err = await rejection(ceph.openImage(io, "missing"));
  expect(err).toBeInstanceOf(ceph.NotFoundError);
  expect(err.message).toContain(`open image ${pool}/missing failed: ENOENT`);
  expect(await rejection(ceph.openImageById(io, "0123456789ab"))).toBeInstanceOf(ceph.NotFoundError);
  await ceph.createImage(io, "v", { size: MiB });
  const img = await ceph.openImage(io, "v");
  expect((await img.stat()).size).toBe(MiB);
  await io.close(); // closes the image first
  expect(img.closed).toBe(true);
  expect(await watchers(`${pool}/v`)).toEqual([]);
  await ceph.deletePool(fx.cluster, pool);
});

test("an image closed after its ioctx began closing is closed, and the ioctx refuses calls meanwhile", async () => {
  const { pool, io } = await fx.rbdPool("aiolate");
  await ceph.createImage(io, "v", { size: MiB });
  const native = addon();
  const io2 = await native.ioctxOpen(fx.cluster.handle, pool);
  const img = await native.imageOpen(io2, "v", null, false, false);
  await native.ioctxClose(io2);
  await expect(native.imageOpen(io2, "v", null, false, false)).rejects.toMatchObject({ code: "ECLOSED", op: "open image" });
  expect(await watchers(`${pool}/v`)).toHaveLength(1);
  await native.imageClose(img);
  expect(await watchers(`${pool}/v`)).toEqual([]);
  await native.imageClose(img); // a second close resolves
  await expect(native.imageStat(img)).rejects.toMatchObject({ code: "ECLOSED" });
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});
