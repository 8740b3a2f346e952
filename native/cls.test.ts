// setHeaderMetadata: librbd's metadata_set sent to an image's header without opening it, read back
// through librbd and the rbd CLI; bad ids and a missing header fail with the object named.
import { connectedCluster } from "./testing";
import * as ceph from "./index";

const fx = connectedCluster();
const MiB = 1024 * 1024;

test("setHeaderMetadata sets a metadata entry librbd and `rbd image-meta` read back", async () => {
  const { pool, io } = await fx.rbdPool("clsmeta");
  await ceph.createImage(io, "img", { size: MiB });
  const { id } = await ceph.statImage(io, "img");
  await ceph.setHeaderMetadata(io, id, "pulumi-owner", "proj/stack/img");
  await ceph.setHeaderMetadata(io, id, "other", "x y=z");
  expect(await ceph.withImage(io, "img", (img) => img.metadataGet("pulumi-owner"), { readOnly: true })).toBe("proj/stack/img");
  expect((await fx.tc.rbd("image-meta", "get", `${pool}/img`, "other")).trim()).toBe("x y=z");
  // Set again: replaced, not added.
  await ceph.setHeaderMetadata(io, id, "pulumi-owner", "proj/stack/img2");
  const listed = await ceph.withImage(io, "img", (img) => img.metadataList(), { readOnly: true });
  expect(listed).toEqual({ "pulumi-owner": "proj/stack/img2", other: "x y=z" });
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("setHeaderMetadata: a missing header is ENOENT naming the object; malformed ids and keys are refused before any call", async () => {
  const { pool, io } = await fx.rbdPool("clsbad");
  await expect(ceph.setHeaderMetadata(io, "deadbeef", "k", "v")).rejects.toThrow(/set image metadata .*rbd_header\.deadbeef.* ENOENT/);
  for (const id of ["", "../x", "ABC", 7]) await expect(ceph.setHeaderMetadata(io, id as string, "k", "v")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.setHeaderMetadata(io, "abc", "", "v")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.setHeaderMetadata(io, "abc", "k", "a\0b")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("setHeaderMetadata on an id no image has writes nothing: no header object appears", async () => {
  const { pool, io } = await fx.rbdPool("clsnone");
  await expect(ceph.setHeaderMetadata(io, "0123abcd", "k", "v")).rejects.toBeInstanceOf(ceph.NotFoundError);
  expect(await ceph.objectExists(io, "rbd_header.0123abcd")).toBe(false);
  expect((await ceph.listObjects(io)).map((o) => o.name)).not.toContain("rbd_header.0123abcd");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});
