// RbdImage's delete on a real cluster: a plain image that holds nothing goes to rbd_remove without
// an open of the provider's own (its facts read from the id object, header and object map); every
// other case goes through the checks of an open as before: a watch that goes within the wait, data
// without forceDestroy, snapshots.
import { handlers } from ".";
import * as ceph from "../native";
import { addon } from "../native/binding";
import { startCluster, uniqueName, type TestCluster } from "../test/helpers/cluster";

jest.setTimeout(180_000);

const MiB = 2 ** 20;
let tc: TestCluster;
let pool: string;
let cluster: ceph.Cluster;
let io: ceph.IoCtx;
beforeAll(async () => {
  tc = startCluster();
  pool = uniqueName("delete");
  await tc.ceph("osd", "pool", "create", pool, "8");
  await tc.rbd("pool", "init", pool);
  cluster = await ceph.connect({ conf: tc.conf, retries: 0 });
  io = await cluster.openIoCtx(pool);
});
afterAll(async () => {
  await io?.close();
  await cluster?.close();
  tc?.stop();
});

const inputs = (name: string, forceDestroy = false) => ({
  connection: { conf: tc.conf, label: "delete" },
  pool,
  name,
  size: 8 * MiB,
  owner: `p/dev/${name}`,
  forceDestroy,
});
const images = async () => (await tc.rbd("ls", pool)).split("\n").filter(Boolean);

/** Runs `fn` counting the provider's own image opens (rbd_remove's inside librbd are not among them). */
async function countingOpens(fn: () => Promise<void>): Promise<number> {
  const spy = jest.spyOn(addon(), "imageOpen");
  try {
    await fn();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

test("a plain image that holds nothing is removed without an open of the provider's own", async () => {
  await handlers.RbdImage.create(inputs("plain"));
  expect(await countingOpens(() => handlers.RbdImage.delete!("", inputs("plain")))).toBe(0);
  expect(await images()).not.toContain("plain");
});

test("one holding data is refused without forceDestroy (after the open's count), and removed with it without an open", async () => {
  await handlers.RbdImage.create(inputs("data"));
  await ceph.withImage(io, "data", (img) => img.write(0, Buffer.alloc(4096, 1)));
  await expect(handlers.RbdImage.delete!("", inputs("data"))).rejects.toThrow(/image .*\/data holds 4 MiB of data; set forceDestroy: true/);
  expect(await images()).toContain("data");
  expect(await countingOpens(() => handlers.RbdImage.delete!("", inputs("data", true)))).toBe(0);
  expect(await images()).not.toContain("data");
});

test("a watched image: rbd_remove refuses it, the delete waits for the watch to go, then removes it", async () => {
  await handlers.RbdImage.create(inputs("watched"));
  const user = await ceph.openImage(io, "watched"); // read-write: a watch, as a VM's client has
  let closedAt = 0;
  setTimeout(() => {
    closedAt = Date.now();
    void user.close();
  }, 3000);
  await handlers.RbdImage.delete!("", inputs("watched"));
  const deletedAt = Date.now();
  expect(closedAt).toBeGreaterThan(0);
  expect(deletedAt).toBeGreaterThanOrEqual(closedAt);
  expect(await images()).not.toContain("watched");
});

test("an image with a snapshot someone made goes to the trash, as Cinder does, after the open's checks", async () => {
  await handlers.RbdImage.create(inputs("snapped"));
  await tc.rbd("snap", "create", `${pool}/snapped@theirs`);
  expect(await countingOpens(() => handlers.RbdImage.delete!("", inputs("snapped")))).toBe(1);
  expect(await images()).not.toContain("snapped");
  expect(JSON.parse(await tc.rbd("trash", "ls", pool, "--format", "json"))).toEqual([expect.objectContaining({ name: "snapped" })]);
});
