// An image's open and close (native/src/open.cc): librbd's aio open and close, started from the JS
// thread and settled there without a libuv thread, on a real cluster.
import { addon } from "./binding";
import { connectedCluster, whileCallThreadsBusy, rejection } from "./testing";
import * as ceph from "./index";

const fx = connectedCluster();
const MiB = 1024 * 1024;

async function watchers(spec: string): Promise<unknown[]> {
  return JSON.parse(await fx.tc.rbd("status", spec, "--format", "json")).watchers;
}

test("opens (by name and id, read-write and read-only) and closes are answered while every threadpool thread is busy", async () => {
  const { pool, io } = await fx.rbdPool("aioopen");
  await ceph.createImage(io, "v", { size: MiB });
  const { id } = await ceph.statImage(io, "v");
  const order: string[] = [];
  const openClose = async (open: Promise<ceph.Image>, label: string) => {
    const img = await open;
    order.push(`${label} open`);
    await img.close();
    order.push(`${label} closed`);
  };
  // A read-write open takes a watch on the header (seen from the CLI, which needs the monitor).
  const before = await ceph.openImage(io, "v");
  expect(await watchers(`${pool}/v`)).toHaveLength(1);
  let queued: Promise<unknown> = Promise.resolve();
  await whileCallThreadsBusy(async () => {
    // A blocking call waits for a thread; the opens and closes do not.
    queued = ceph.listImages(io).then(() => order.push("blocking call"));
    await Promise.all([
      openClose(ceph.openImage(io, "v"), "read-write"),
      openClose(ceph.openImage(io, "v", { readOnly: true }), "read-only"),
      openClose(ceph.openImageById(io, id, { readOnly: true }), "by id"),
      before.close().then(() => order.push("earlier open closed")),
    ]);
  });
  await queued;
  expect(order.slice(0, 7).sort()).toEqual(
    ["by id closed", "by id open", "earlier open closed", "read-only closed", "read-only open", "read-write closed", "read-write open"],
  );
  expect(order[7]).toBe("blocking call");
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
