// Pool wrappers (mon commands) against a real cluster; checked with the ceph CLI.
import { uniqueName } from "../test/helpers/cluster";
import { connectedCluster } from "./testing";
import * as ceph from "./index";

const fx = connectedCluster();

test("create, list, settings, delete", async () => {
  const pool = uniqueName("volumes");
  await ceph.createPool(fx.cluster, pool, { pgNum: 16 });
  expect(await ceph.listPools(fx.cluster)).toContain(pool);
  const settings = await ceph.getPoolSettings(fx.cluster, pool);
  expect(settings).toEqual({ size: 1, minSize: 1, pgNum: 16, pgAutoscaleMode: "on", crushRule: "replicated_rule" });
  const cli = await fx.tc.cephJson("osd", "pool", "get", pool, "all");
  expect(settings.pgNum).toBe(cli.pg_num);

  await ceph.setPoolSetting(fx.cluster, pool, "pg_autoscale_mode", "off");
  await ceph.setPoolSetting(fx.cluster, pool, "size", 2);
  await ceph.setPoolSetting(fx.cluster, pool, "min_size", 2);
  expect(await ceph.getPoolSettings(fx.cluster, pool)).toMatchObject({ size: 2, minSize: 2, pgAutoscaleMode: "off" });
  expect((await fx.tc.cephJson("osd", "pool", "get", pool, "size")).size).toBe(2);
  // pg_num set: the target moves at once, pg_num itself follows it step by step.
  await ceph.setPoolSetting(fx.cluster, pool, "pg_num", 32);
  expect(await ceph.getPgNumTarget(fx.cluster, pool)).toBe(32);
  await ceph.setPoolSetting(fx.cluster, pool, "pg_num", 16);
  expect(await ceph.getPgNumTarget(fx.cluster, pool)).toBe(16);
  // size 1 needs Ceph's yes_i_really_mean_it
  await ceph.setPoolSetting(fx.cluster, pool, "min_size", 1);
  await expect(ceph.setPoolSetting(fx.cluster, pool, "size", 1)).rejects.toBeInstanceOf(ceph.PermissionError);
  await ceph.setPoolSetting(fx.cluster, pool, "size", 1, { force: true });
  expect((await ceph.getPoolSettings(fx.cluster, pool)).size).toBe(1);

  await ceph.deletePool(fx.cluster, pool);
  expect(await ceph.listPools(fx.cluster)).not.toContain(pool);
  expect((await fx.tc.ceph("osd", "pool", "ls")).split("\n")).not.toContain(pool);
  // like the CLI, deleting a missing pool succeeds
  await ceph.deletePool(fx.cluster, pool);
});

test("errors name the pool and carry Ceph's text", async () => {
  const pool = uniqueName("missing");
  const err = await ceph.getPoolSettings(fx.cluster, pool).catch((e) => e);
  expect(err).toBeInstanceOf(ceph.NotFoundError);
  expect(err.pool).toBe(pool);
  expect(err.message).toBe(
    `ceph cluster ${fx.tc.conf}: osd pool get ${pool} failed: ENOENT (No such file or directory): unrecognized pool '${pool}'`,
  );
  await expect(ceph.setPoolSetting(fx.cluster, pool, "size", 2)).rejects.toBeInstanceOf(ceph.NotFoundError);
  await expect(ceph.getPoolQuota(fx.cluster, pool)).rejects.toBeInstanceOf(ceph.NotFoundError);
  await expect(ceph.getApplications(fx.cluster, pool)).rejects.toBeInstanceOf(ceph.NotFoundError);
  await expect(ceph.createPool(fx.cluster, "bad name")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await expect(ceph.createPool(fx.cluster, pool, { pgNum: -1 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);

  const real = uniqueName("real");
  await ceph.createPool(fx.cluster, real);
  const bad = await ceph.setPoolSetting(fx.cluster, real, "pg_autoscale_mode", "sometimes").catch((e) => e);
  expect(bad).toBeInstanceOf(ceph.InvalidArgumentError);
  expect(bad.detail).toEqual(expect.any(String));
  await ceph.deletePool(fx.cluster, real);
});

test("quota", async () => {
  const pool = uniqueName("quota");
  await ceph.createPool(fx.cluster, pool);
  expect(await ceph.getPoolQuota(fx.cluster, pool)).toEqual({ maxBytes: 0, maxObjects: 0 });
  await ceph.setPoolQuota(fx.cluster, pool, { maxBytes: 10 * 1024 ** 3, maxObjects: 1000 });
  expect(await ceph.getPoolQuota(fx.cluster, pool)).toEqual({ maxBytes: 10 * 1024 ** 3, maxObjects: 1000 });
  await ceph.setPoolQuota(fx.cluster, pool, { maxObjects: 0 });
  expect(await ceph.getPoolQuota(fx.cluster, pool)).toEqual({ maxBytes: 10 * 1024 ** 3, maxObjects: 0 });
  const detail = (await fx.tc.cephJson("osd", "pool", "ls", "detail")).find((p: { pool_name: string }) => p.pool_name === pool);
  expect(detail.quota_max_bytes).toBe(10 * 1024 ** 3);
  await ceph.deletePool(fx.cluster, pool);
});

test("applications, rbd pool init, stats, df, mon dump", async () => {
  const pool = uniqueName("apps");
  await ceph.createPool(fx.cluster, pool);
  expect(await ceph.getApplications(fx.cluster, pool)).toEqual({});
  await ceph.enableApplication(fx.cluster, pool, "rbd");
  expect(await ceph.getApplications(fx.cluster, pool)).toEqual({ rbd: {} });
  expect(await fx.tc.cephJson("osd", "pool", "application", "get", pool)).toEqual({ rbd: {} });
  // a second application needs force
  await expect(ceph.enableApplication(fx.cluster, pool, "rgw")).rejects.toBeInstanceOf(ceph.PermissionError);
  await ceph.enableApplication(fx.cluster, pool, "rgw", { force: true });
  expect(Object.keys(await ceph.getApplications(fx.cluster, pool)).sort()).toEqual(["rbd", "rgw"]);

  const initPool = uniqueName("init");
  await ceph.createPool(fx.cluster, initPool);
  const io = await fx.cluster.openIoCtx(initPool);
  await ceph.poolInit(io);
  expect(await ceph.getApplications(fx.cluster, initPool)).toEqual({ rbd: {} });
  await ceph.createImage(io, "img", { size: 4 * 1024 * 1024 });
  await fx.tc.rbd("bench", "--io-type", "write", "--io-threads", "1", "--io-size", "1M", "--io-total", "2M", `${initPool}/img`);
  await io.close();

  // df comes from the mgr's digest, which lists a new pool a moment after it exists.
  let stats = await ceph.poolStats(fx.cluster);
  for (let i = 0; i < 100 && !stats.some((s) => s.name === initPool); i++) {
    await new Promise((r) => setTimeout(r, 200));
    stats = await ceph.poolStats(fx.cluster);
  }
  // The 2 MiB written (and rbd pool init's objects) reach the mgr's digest within a stats period or two.
  let cliDf = await fx.tc.cephJson("df", "detail");
  const cliPool = () => cliDf.pools.find((p: { name: string }) => p.name === initPool);
  for (let i = 0; i < 100; i++) {
    const seen = stats.find((s) => s.name === initPool);
    // Both read the same digest, so they can agree on one taken before the writes landed: wait for the 2 MiB too.
    const landed = seen && seen.objects > 0 && seen.storedBytes >= 2 * 2 ** 20;
    if (landed && seen.objects === cliPool().stats.objects && seen.storedBytes === cliPool().stats.stored) break;
    await new Promise((r) => setTimeout(r, 200));
    [stats, cliDf] = await Promise.all([ceph.poolStats(fx.cluster), fx.tc.cephJson("df", "detail")]);
  }
  const mine = stats.find((s) => s.name === initPool)!;
  // Pool deletion decides on this count: it must be the real one (the CLI's), not just a number.
  expect(mine.objects).toBeGreaterThanOrEqual(2); // at least the image's header and one data object
  expect(mine.objects).toBe(cliPool().stats.objects);
  expect(mine.storedBytes).toBe(cliPool().stats.stored);
  expect(mine.storedBytes).toBeGreaterThanOrEqual(2 * 2 ** 20);
  expect(mine.id).toBe(cliDf.pools.find((p: { name: string }) => p.name === initPool).id);
  expect(stats.map((s) => s.name).sort()).toEqual(cliDf.pools.map((p: { name: string }) => p.name).sort());
  for (const s of stats) {
    expect(s).toEqual({ name: expect.any(String), id: expect.any(Number), objects: expect.any(Number), bytesUsed: expect.any(Number), storedBytes: expect.any(Number) });
  }
  const df = await ceph.df(fx.cluster);
  expect(df.stats.total_bytes).toBe(cliDf.stats.total_bytes);
  const monmap = await ceph.monDump(fx.cluster);
  expect(monmap.fsid).toBe(fx.tc.fsid);
  expect(monmap.mons).toHaveLength(1);

  await ceph.deletePool(fx.cluster, pool);
  await ceph.deletePool(fx.cluster, initPool);
});
