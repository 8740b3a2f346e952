// Every call is bounded: with a daemon frozen (SIGSTOP), librados' own timeouts (set from
// opTimeoutSec / connectTimeoutSec at connect) turn hangs into TimeoutErrors. Its own cluster,
// since freezing daemons would stall any other test sharing it.
import { startCluster, TestCluster, uniqueName } from "../test/helpers/cluster";
import * as ceph from "./index";

let tc: TestCluster;
let cluster: ceph.Cluster;
let pool: string;
let io: ceph.IoCtx;

beforeAll(async () => {
  tc = startCluster();
  cluster = await ceph.connect({ conf: tc.conf, retries: 0, opTimeoutSec: 2 });
  pool = uniqueName("frozen");
  await ceph.createPool(cluster, pool);
  io = await cluster.openIoCtx(pool);
  await ceph.poolInit(io);
  await ceph.createImage(io, "vol", { size: 1024 * 1024 });
});

afterAll(async () => {
  for (const daemon of ["mon.a", "osd.0"] as const) process.kill(tc.daemonPid(daemon), "SIGCONT");
  await cluster?.close();
  tc?.stop();
});

/** Runs fn with the daemon frozen, always thawing it afterwards. */
async function frozen<T>(daemon: "mon.a" | "osd.0", fn: () => Promise<T>): Promise<T> {
  const pid = tc.daemonPid(daemon);
  process.kill(pid, "SIGSTOP");
  try {
    return await fn();
  } finally {
    process.kill(pid, "SIGCONT");
  }
}

async function timed(p: Promise<unknown>): Promise<{ err: ceph.CephError; ms: number }> {
  const started = Date.now();
  try {
    await p;
  } catch (e) {
    return { err: e as ceph.CephError, ms: Date.now() - started };
  }
  throw new Error("expected a rejection");
}

test("OSD not answering: image calls reject with TimeoutError after about opTimeoutSec", async () => {
  const img = await ceph.openImage(io, "vol", { readOnly: true });
  const { err, ms } = await frozen("osd.0", async () => {
    const result = await timed(ceph.createImage(io, "new", { size: 1024 * 1024 }));
    // the open image's calls are bounded too, and close still completes afterwards
    const statErr = await timed(img.metadataList());
    expect(statErr.err).toBeInstanceOf(ceph.TimeoutError);
    return result;
  });
  expect(err).toBeInstanceOf(ceph.TimeoutError);
  expect(err.errno).toBe(110);
  expect(err.message).toContain(`create image ${pool}/new failed: ETIMEDOUT`);
  expect(ms).toBeGreaterThanOrEqual(1500);
  expect(ms).toBeLessThan(9000);
  await img.close();
  // the cluster works again once the OSD is back
  expect((await ceph.listImages(io)).map((i) => i.name)).toContain("vol");
});

/** How long `p` took to settle, and its rejection if it rejected. */
async function settledIn(p: Promise<unknown>): Promise<{ err?: ceph.CephError; ms: number }> {
  const started = Date.now();
  try {
    await p;
    return { ms: Date.now() - started };
  } catch (e) {
    return { err: e as ceph.CephError, ms: Date.now() - started };
  }
}

test("OSD not answering: librbd's aio open and close are bounded, and the image is usable once it is back", async () => {
  const rw = await ceph.openImage(io, "vol");
  const { open, close } = await frozen("osd.0", async () => ({
    open: await timed(ceph.openImage(io, "vol")),
    close: await settledIn(rw.close()),
  }));
  expect(open.err).toBeInstanceOf(ceph.TimeoutError);
  expect(open.err.message).toContain(`open image ${pool}/vol failed: ETIMEDOUT`);
  expect(open.ms).toBeLessThan(9000);
  // The close does not hang: librbd gives up on the unwatch the frozen OSD never answers after
  // the op timeout, and closes the image anyway (as its blocking close does).
  expect(close.err).toBeUndefined();
  expect(close.ms).toBeLessThan(9000);
  expect(rw.closed).toBe(true);
  const again = await ceph.openImage(io, "vol");
  expect((await again.stat()).size).toBe(1024 * 1024);
  await again.close();
});

test("mon not answering: mon commands and connect reject with TimeoutError", async () => {
  await frozen("mon.a", async () => {
    const cmd = await timed(cluster.monCommand({ prefix: "osd pool ls", format: "json" }));
    expect(cmd.err).toBeInstanceOf(ceph.TimeoutError);
    expect(cmd.err.op).toBe("osd pool ls");
    expect(cmd.ms).toBeLessThan(9000);

    const conn = await timed(ceph.connect({ conf: tc.conf, retries: 0, connectTimeoutSec: 2 }));
    expect(conn.err).toBeInstanceOf(ceph.TimeoutError);
    expect(conn.ms).toBeGreaterThanOrEqual(1500);
    expect(conn.ms).toBeLessThan(9000);
  });
  expect((await cluster.monCommand({ prefix: "osd pool ls", format: "json" })).json).toContain(pool);
});
