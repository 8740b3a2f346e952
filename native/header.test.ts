// The stat read from an image's header against librbd's own (an open, then stat), on a real cluster:
// every shape of image the header path answers must come out exactly as librbd reports it, and
// every shape it leaves to the open must be left (statImage then opens, and answers as before).
import { spawn } from "child_process";
import { uniqueName } from "../test/helpers/cluster";
import { addon } from "./binding";
import { connectedCluster, whileCallThreadsBusy } from "./testing";
import * as ceph from "./index";

const fx = connectedCluster();
const MiB = 1024 * 1024;

const librbdStat = (io: ceph.IoCtx, name: string) => ceph.withImage(io, name, (img) => img.stat(), { readOnly: true });

/** The header's answer, librbd's, and statImage's must be one and the same. */
async function expectAnsweredFromHeader(io: ceph.IoCtx, name: string): Promise<ceph.ImageStat> {
  const fromHeader = await ceph.statImageFromHeader(io, name);
  const expected = await librbdStat(io, name);
  expect(fromHeader).toEqual(expected);
  expect(await ceph.statImage(io, name)).toEqual(expected);
  return expected;
}

async function expectLeftToOpen(io: ceph.IoCtx, name: string): Promise<ceph.ImageStat> {
  expect(await ceph.statImageFromHeader(io, name)).toBeUndefined();
  const expected = await librbdStat(io, name);
  expect(await ceph.statImage(io, name)).toEqual(expected);
  return expected;
}

const u64 = (...values: bigint[]) => Buffer.concat(values.map((v) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}));

test("plain images, whatever their features, order and size, are answered from the header as librbd answers", async () => {
  const { pool, io } = await fx.rbdPool("hdr");
  await ceph.createImage(io, "default", { size: 10 * MiB });
  await ceph.createImage(io, "layering-only", { size: 5 * MiB + 4096, features: ceph.featureMask(["layering"]), order: 20 });
  await ceph.createImage(io, "no-features", { size: 3 * MiB, features: 0 });
  await ceph.createImage(io, "journaled", { size: MiB, features: ceph.featureMask(["layering", "exclusive-lock", "journaling"]) });
  await ceph.createImage(io, "empty", { size: 0 });
  const def = await expectAnsweredFromHeader(io, "default");
  expect(def).toMatchObject({ size: 10 * MiB, objectSize: 4 * MiB, order: 22, numObjs: 3, dataPool: pool, flags: 0 });
  expect(def.featureNames).toEqual(["layering", "exclusive-lock", "object-map", "fast-diff", "deep-flatten"]);
  expect(await expectAnsweredFromHeader(io, "layering-only")).toMatchObject({ numObjs: 6, objectSize: MiB, featureNames: ["layering"] });
  expect(await expectAnsweredFromHeader(io, "no-features")).toMatchObject({ featureNames: [], numObjs: 1 });
  expect((await expectAnsweredFromHeader(io, "journaled")).featureNames).toContain("journaling");
  expect(await expectAnsweredFromHeader(io, "empty")).toMatchObject({ size: 0, numObjs: 0 });

  // Changed since: resized, snapshotted, features toggled, flags set. The header says so at once.
  await ceph.withImage(io, "default", async (img) => {
    await img.resize(30 * MiB);
    await ceph.createSnap(img, "s1");
  });
  expect(await expectAnsweredFromHeader(io, "default")).toMatchObject({ size: 30 * MiB, numObjs: 8 });
  await fx.tc.rbd("feature", "disable", `${pool}/default`, "fast-diff");
  expect((await expectAnsweredFromHeader(io, "default")).featureNames).not.toContain("fast-diff");
  // Object map invalid, as librbd marks it (cls_rbd set_flags: flags, mask).
  const id = def.id;
  await addon().objectExec(io.handle, `rbd_header.${id}`, "rbd", "set_flags", u64(1n, 1n));
  expect(await expectAnsweredFromHeader(io, "default")).toMatchObject({ flags: 1 });
  expect(JSON.parse(await fx.tc.rbd("info", `${pool}/default`, "--format", "json")).flags).toEqual(["object map invalid"]);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("a stat from the header costs the OSD two reads, an open about ten", async () => {
  const { pool, io } = await fx.rbdPool("hdrops");
  await ceph.createImage(io, "v", { size: MiB });
  const reads = async () => (await fx.tc.daemonCommand("osd.0", "perf", "dump")).osd.op_r as number;
  // Ten of each, so a stray read by another client (the mgr's rbd_support module) cannot decide it.
  const count = async (stat: () => Promise<unknown>) => {
    const before = await reads();
    for (let i = 0; i < 10; i++) await stat();
    return (await reads()) - before;
  };
  const viaHeader = await count(() => ceph.statImage(io, "v"));
  const viaOpen = await count(() => librbdStat(io, "v"));
  expect(viaHeader).toBeGreaterThanOrEqual(20);
  expect(viaHeader).toBeLessThanOrEqual(25);
  expect(viaOpen).toBeGreaterThanOrEqual(3 * viaHeader);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("an image with a data pool names it, as librbd does", async () => {
  const { pool, io } = await fx.rbdPool("hdrmeta");
  const dataPool = uniqueName("hdrdata");
  await ceph.createPool(fx.cluster, dataPool, { pgNum: 8 });
  await ceph.enableApplication(fx.cluster, dataPool, "rbd");
  await ceph.createImage(io, "split", { size: MiB, dataPool });
  expect(await expectAnsweredFromHeader(io, "split")).toMatchObject({ dataPool });
  await ceph.removeImage(io, "split");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
  await ceph.deletePool(fx.cluster, dataPool);
});

test("clones and striped images are left to librbd's open, and statImage still answers them", async () => {
  const { pool, io } = await fx.rbdPool("hdrclone");
  await ceph.createImage(io, "parent", { size: 4 * MiB });
  await ceph.withImage(io, "parent", async (img) => {
    await ceph.createSnap(img, "base");
    await ceph.protectSnap(img, "base");
  });
  await ceph.cloneImage(io, "parent", "base", io, "child");
  expect((await expectLeftToOpen(io, "child")).parent).toMatchObject({ pool, image: "parent", snapshot: "base" });
  await ceph.createImage(io, "striped", { size: 3 * MiB, order: 20, stripeUnit: 256 * 1024, stripeCount: 4 });
  expect((await expectLeftToOpen(io, "striped")).featureNames).toContain("striping");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("a missing image, or one without its header, is left to the open, which reports it as before", async () => {
  const { pool, io } = await fx.rbdPool("hdrmissing");
  expect(await ceph.statImageFromHeader(io, "nothing")).toBeUndefined();
  await expect(ceph.statImage(io, "nothing")).rejects.toMatchObject({ code: "ENOENT" });
  // What a create cut short after librbd's id object leaves: rbd_id.<name> and no header.
  await ceph.createImage(io, "headless", { size: MiB });
  const { id } = await librbdStat(io, "headless");
  await ceph.removeObject(io, `rbd_header.${id}`);
  expect(await ceph.statImageFromHeader(io, "headless")).toBeUndefined();
  const viaOpen = await librbdStat(io, "headless").then(() => "opened", (e) => e.code);
  const viaStat = await ceph.statImage(io, "headless").then(() => "opened", (e) => e.code);
  expect(viaStat).toBe(viaOpen);
  expect(viaStat).toBe("ENOENT");
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

// The stat's two reads are librados aio ops settled on the JS thread (native/src/aio.cc): no
// call thread is taken for them, so a refresh's reads are not queued behind other calls.
test("a stat from the header is answered while every threadpool thread is busy", async () => {
  const { pool, io } = await fx.rbdPool("hdraio");
  await ceph.createImage(io, "v", { size: MiB });
  const expected = await librbdStat(io, "v");
  const order: string[] = [];
  let queued: Promise<unknown> = Promise.resolve();
  const stats = await whileCallThreadsBusy(async () => {
    // A blocking call waits for a thread; the stats do not.
    queued = ceph.listImages(io).then(() => order.push("blocking call"));
    const answered = await Promise.all([1, 2, 3, 4, 5].map(() => ceph.statImage(io, "v")));
    order.push("stats");
    return answered;
  });
  await queued;
  expect(order).toEqual(["stats", "blocking call"]);
  for (const s of stats) expect(s).toEqual(expected);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("stats in flight when their ioctx closes are answered first; the close waits for them", async () => {
  const { pool, io } = await fx.rbdPool("hdrclose");
  await ceph.createImage(io, "v", { size: MiB });
  const stats = Array.from({ length: 32 }, () => ceph.statImage(io, "v"));
  const closed = io.close();
  await expect(ceph.statImage(io, "v")).rejects.toMatchObject({ code: "ECLOSED" });
  const answered = await Promise.all(stats);
  await closed;
  expect(new Set(answered.map((s) => s.id)).size).toBe(1);
  await ceph.deletePool(fx.cluster, pool);
});

test("a process that made stats exits by itself once its connection is closed", async () => {
  const { pool, io } = await fx.rbdPool("hdrexit");
  await ceph.createImage(io, "v", { size: MiB });
  await io.close();
  // Nothing but the stats and the close: an aio dispatcher left referenced would keep it alive,
  // and so would a backstop timer left holding the process (connect's is due after 25 s).
  const script = `
    const ceph = require(${JSON.stringify(__dirname)});
    (async () => {
      const cluster = await ceph.connect({ conf: ${JSON.stringify(fx.tc.conf)}, retries: 0 });
      const io = await cluster.openIoCtx(${JSON.stringify(pool)});
      const st = await Promise.all([1, 2, 3].map(() => ceph.statImage(io, "v")));
      console.log(st[0].size);
      await io.close();
      await cluster.close();
    })();`;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const exited = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("still running after 20 s");
    }, 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code ?? "killed");
    });
  });
  expect(exited).toBe(0);
  expect(out.trim()).toBe(String(MiB));
  await ceph.deletePool(fx.cluster, pool);
}, 60_000);
