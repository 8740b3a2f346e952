// The provider host's shared pool I/O context, against a real cluster: RbdImage reads share one
// ioctx per pool, and a pool deleted (or deleted and made again under its name) between reads is
// never mistaken for the old one. The engine cannot delete a pool in the middle of one provider
// host's reads, so the read handler is called as the host calls it.
import * as native from "../native";
import { addon } from "../native/binding";
import { handlers } from ".";
import { startCluster, uniqueName, type TestCluster } from "../test/helpers/cluster";

jest.setTimeout(180_000);

let tc: TestCluster;
beforeAll(() => {
  tc = startCluster();
});
afterAll(() => tc?.stop());

const imageId = async (pool: string, name: string) => JSON.parse(await tc.rbd("info", `${pool}/${name}`, "--format", "json")).id as string;

async function makePool(pool: string, images: string[]): Promise<void> {
  await tc.ceph("osd", "pool", "create", pool, "8");
  await tc.rbd("pool", "init", pool);
  for (const name of images) await tc.rbd("create", "--size", "64M", `${pool}/${name}`);
}

const read = (pool: string, name: string) => {
  const props = { connection: { conf: tc.conf, label: "shared-ioctx" }, pool, name, size: "64MiB" };
  return handlers.RbdImage.read!(`${pool}/${name}`, props) as Promise<{ id?: string; props?: { imageId: string; size: number } }>;
};

test("reads of every image in a pool open one ioctx between them", async () => {
  const pool = uniqueName("shared");
  const names = ["a", "b", "c", "d", "e", "f"];
  await makePool(pool, names);
  const opens = jest.spyOn(native.Cluster.prototype, "openIoCtx");
  try {
    const results = await Promise.all(names.map((name) => read(pool, name)));
    for (const [i, r] of results.entries()) expect(r.props!.imageId).toBe(await imageId(pool, names[i]));
    await read(pool, "a");
    expect(opens.mock.calls.filter(([p]) => p === pool)).toHaveLength(1);
  } finally {
    opens.mockRestore();
  }
});

test("a read of an image without mirroring is one image call into the addon, which opens no image for it", async () => {
  const pool = uniqueName("onecall");
  await makePool(pool, ["v"]);
  await read(pool, "v"); // the pool's shared ioctx, opened once
  const calls = ["imageOpen", "imageStat", "imageClose", "imageStatByName"] as const;
  const spies = calls.map((name) => jest.spyOn(addon(), name));
  try {
    const r = await read(pool, "v");
    expect(r.props!.imageId).toBe(await imageId(pool, "v"));
    expect(Object.fromEntries(calls.map((name, i) => [name, spies[i].mock.calls.length]))).toEqual({
      imageOpen: 0,
      imageStat: 0,
      imageClose: 0,
      imageStatByName: 1,
    });
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
});

test("a pool made again under the same name is read as the new pool, a deleted one as gone", async () => {
  const pool = uniqueName("remade");
  await makePool(pool, ["v"]);
  const before = await read(pool, "v");
  expect(before.props!.imageId).toBe(await imageId(pool, "v"));

  await tc.ceph("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it");
  await makePool(pool, ["v"]);
  const newId = await imageId(pool, "v");
  expect(newId).not.toBe(before.props!.imageId);
  const after = await read(pool, "v");
  expect(after).toMatchObject({ id: `${pool}/v`, props: { imageId: newId, size: 64 * 2 ** 20 } });

  await tc.ceph("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it");
  expect(await read(pool, "v")).toEqual({});
});
