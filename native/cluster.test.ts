// Connecting, mon/mgr commands, close semantics and the backstop timer, against a real cluster.
import * as v8 from "v8";
import * as vm from "vm";
import { uniqueName } from "../test/helpers/cluster";
import { generateCephxKey } from "../provider/cephx";
import { connectedCluster, rejection } from "./testing";
import { HandleGuard } from "./handle";
import * as ceph from "./index";

const fx = connectedCluster();

describe("connect", () => {
  test("with a conf file: fsid and mon addresses match the cluster", async () => {
    expect(await fx.cluster.fsid()).toBe(fx.tc.fsid);
    expect(await fx.cluster.monAddrs()).toEqual([fx.tc.monHost]);
    expect(fx.cluster.label).toBe(fx.tc.conf);
    expect(fx.cluster.closed).toBe(false);
  });

  test("with monHost + entity + key and no conf file", async () => {
    const c = await ceph.connect({ monHost: fx.tc.monHost, entity: "client.admin", key: fx.tc.adminKey, retries: 0 });
    try {
      expect(c.label).toBe(fx.tc.monHost);
      expect(await c.fsid()).toBe(fx.tc.fsid);
    } finally {
      await c.close();
    }
  });

  test("monHost as a list, custom label, extra config", async () => {
    const c = await ceph.connect({
      label: "test-cluster",
      monHost: [fx.tc.monHost],
      key: fx.tc.adminKey,
      retries: 0,
      config: { rados_osd_op_timeout: 20, "client mount timeout": 5, ms_crc_data: true },
    });
    try {
      expect(c.label).toBe("test-cluster");
      expect(await c.fsid()).toBe(fx.tc.fsid);
    } finally {
      await c.close();
    }
  });

  test("with a keyring path", async () => {
    const c = await ceph.connect({ monHost: fx.tc.monHost, keyring: `${fx.tc.dir}/keys/client.admin.keyring`, retries: 0 });
    try {
      expect(await c.fsid()).toBe(fx.tc.fsid);
    } finally {
      await c.close();
    }
  });

  test("wrong key: PermissionError, well within the connect timeout, without the key in the message", async () => {
    const wrongKey = generateCephxKey(); // a valid key the cluster has never seen
    const started = Date.now();
    const err = await rejection(
      ceph.connect({ monHost: fx.tc.monHost, key: wrongKey, retries: 0, connectTimeoutSec: 30 }),
    );
    // The mon refuses at once; waiting out the 30 s timeout instead would fail this (3x margin).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(ceph.PermissionError);
    expect(ceph.isCephError(err, "EACCES")).toBe(true);
    expect(err.errno).toBe(13);
    expect(err.cluster).toBe(fx.tc.monHost);
    expect(err.message).toContain(fx.tc.monHost);
    expect(err.message).toContain("client.admin");
    expect(err.message).not.toContain(wrongKey);
    expect(err.stack ?? "").not.toContain(wrongKey);
  });

  test("unknown entity: PermissionError", async () => {
    const err = await rejection(
      ceph.connect({ monHost: fx.tc.monHost, entity: "client.nobody", key: fx.tc.adminKey, retries: 0, connectTimeoutSec: 5 }),
    );
    expect(err).toBeInstanceOf(ceph.PermissionError);
  });

  test("no mon listening: retries, then rejects with the last error naming the mon", async () => {
    // A port from the loopback range nobody listens on (the test cluster's port + 1 is free or not ours).
    const deadMon = "v2:127.0.0.1:9";
    const started = Date.now();
    const err = await rejection(
      ceph.connect({ monHost: deadMon, key: fx.tc.adminKey, retries: 1, retryIntervalSec: 1, connectTimeoutSec: 1 }),
    );
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(ceph.TimeoutError);
    expect(err.code).toBe("ETIMEDOUT");
    expect(err.message).toContain(deadMon);
    expect(err.message).toContain("after 2 attempts");
    // two ~1 s attempts plus a 1 s pause
    expect(elapsed).toBeGreaterThanOrEqual(2500);
    expect(elapsed).toBeLessThan(15000);
  });

  test("an unknown config option fails at once, without retries", async () => {
    const started = Date.now();
    const err = await rejection(
      ceph.connect({ conf: fx.tc.conf, config: { no_such_option_here: "1" }, retries: 3, retryIntervalSec: 10 }),
    );
    // Retrying would take at least 3 x 10 s; failing at once is far below this bound (3x margin).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(ceph.CephError);
    expect(err.detail).toBe("set config option no_such_option_here");
  });

  test("invalid options are rejected before touching librados", async () => {
    await expect(ceph.connect({ conf: fx.tc.conf, opTimeoutSec: -1 })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
    await expect(ceph.connect({ conf: fx.tc.conf, entity: "admin" })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
    await expect(ceph.connect({ monHost: [""] })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  });
});

describe("commands", () => {
  test("monCommand parses JSON output", async () => {
    const res = await fx.cluster.monCommand({ prefix: "osd pool ls", format: "json" });
    expect(Array.isArray(res.json)).toBe(true);
    expect(res.outbuf).toBeInstanceOf(Buffer);
    const status = await fx.cluster.monCommand({ prefix: "status", format: "json" });
    expect(status.json.fsid).toBe(fx.tc.fsid);
  });

  test("monCommand without format returns plain text and no json", async () => {
    const pool = uniqueName("plain");
    await ceph.createPool(fx.cluster, pool);
    const res = await fx.cluster.monCommand({ prefix: "osd pool ls" });
    expect(res.json).toBeUndefined();
    expect(res.outbuf.toString().split("\n")).toContain(pool);
    await ceph.deletePool(fx.cluster, pool);
  });

  test("monCommand errors carry the prefix as op and outs in the message", async () => {
    const pool = uniqueName("missing");
    const err = await rejection(fx.cluster.monCommand({ prefix: "osd pool get", pool, var: "size" }));
    expect(err).toBeInstanceOf(ceph.NotFoundError);
    expect(err.op).toBe("osd pool get");
    expect(err.detail).toContain(`unrecognized pool '${pool}'`);
    expect(err.message).toBe(
      `ceph cluster ${fx.tc.conf}: osd pool get failed: ENOENT (No such file or directory): unrecognized pool '${pool}'`,
    );
  });

  test("monCommand input buffer (auth import) and invalid commands", async () => {
    const entity = `client.${uniqueName("input")}`;
    const key = (await fx.tc.ceph("auth", "get-or-create-key", entity)).trim();
    await fx.tc.ceph("auth", "del", entity);
    await fx.cluster.monCommand({ prefix: "auth import" }, Buffer.from(`[${entity}]\n\tkey = ${key}\n\tcaps mon = "allow r"\n`));
    expect((await fx.tc.ceph("auth", "print-key", entity)).trim()).toBe(key);
    await expect(fx.cluster.monCommand({ prefix: "no such command" })).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
    await expect(fx.cluster.monCommand({} as Record<string, unknown>)).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  });

  test("mgrCommand", async () => {
    // The mgr may still be starting right after the cluster comes up.
    let res: ceph.CommandResult | undefined;
    for (let i = 0; i < 50 && !res; i++) {
      res = await fx.cluster.mgrCommand({ prefix: "balancer status", format: "json" }).catch(async () => {
        await new Promise((r) => setTimeout(r, 200));
        return undefined;
      });
    }
    expect(res?.json?.mode).toEqual(expect.any(String));
  });
});

describe("close", () => {
  test("calls after close reject with ClosedError; close is idempotent", async () => {
    const c = await ceph.connect({ conf: fx.tc.conf, retries: 0 });
    await c.close();
    expect(c.closed).toBe(true);
    await c.close();
    const err = await rejection(c.fsid());
    expect(err).toBeInstanceOf(ceph.ClosedError);
    expect(err.code).toBe("ECLOSED");
    expect(err.message).toBe(`ceph cluster ${fx.tc.conf}: get fsid failed: ECLOSED (cluster connection is closed)`);
    await expect(c.openIoCtx("rbd")).rejects.toBeInstanceOf(ceph.ClosedError);
    await expect(c.monCommand({ prefix: "status" })).rejects.toBeInstanceOf(ceph.ClosedError);
  });

  test("close waits for in-flight calls, then closes ioctxs and images opened through it", async () => {
    const pool = uniqueName("close");
    await ceph.createPool(fx.cluster, pool);
    const c = await ceph.connect({ conf: fx.tc.conf, retries: 0 });
    const io = await c.openIoCtx(pool);
    await ceph.poolInit(io);
    await ceph.createImage(io, "img", { size: 1 << 20 });
    const img = await ceph.openImage(io, "img");
    const inflight = [
      ...Array.from({ length: 8 }, () => c.monCommand({ prefix: "osd pool ls", format: "json" })),
      img.stat(),
      ceph.listImages(io),
    ];
    const closing = c.close();
    // Everything started before close completes normally.
    const results = await Promise.all(inflight);
    expect(results).toHaveLength(10);
    await closing;
    expect(io.closed).toBe(true);
    expect(img.closed).toBe(true);
    await expect(img.stat()).rejects.toBeInstanceOf(ceph.ClosedError);
    await expect(ceph.listImages(io)).rejects.toBeInstanceOf(ceph.ClosedError);
    // The image was really closed: no watcher is left on it.
    const status = JSON.parse(await fx.tc.rbd("status", `${pool}/img`, "--format", "json"));
    expect(status.watchers).toEqual([]);
    await ceph.deletePool(fx.cluster, pool);
  });

  test("an unclosed connection is closed in the background once garbage collected", async () => {
    // client.admin's sessions on the mon, by global id. Counting client sessions failed when one
    // left (an earlier test's connection) or arrived (the mgr's own librados clients, also of
    // con_type "client") while this test's connection arrived.
    const clientSessions = async () =>
      new Set<number>(
        (await fx.tc.daemonCommand("mon.a", "sessions"))
          .filter((s: { con_type: string; entity_name: string }) => s.con_type === "client" && s.entity_name === "client.admin")
          .map((s: { global_id: number }) => s.global_id),
      );
    const before = await clientSessions();
    // Held until its session is seen: a garbage collection meanwhile (jest's own work makes them)
    // closed it before the first look, and the test found no session to watch.
    let dropped: ceph.Cluster | undefined = await ceph.connect({ conf: fx.tc.conf, retries: 0 });
    expect(await dropped.fsid()).toBe(fx.tc.fsid);
    // The dropped connection's session: the one that was not there before (bounded wait for it to show).
    let added: number[] = [];
    for (let i = 0; i < 50 && added.length === 0; i++) {
      added = [...(await clientSessions())].filter((id) => !before.has(id));
      if (added.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(added).toHaveLength(1);
    dropped = undefined;
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    let open = true;
    for (let i = 0; i < 100 && open; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 100));
      open = (await clientSessions()).has(added[0]);
    }
    expect(open).toBe(false);
    expect(await fx.cluster.fsid()).toBe(fx.tc.fsid);
  });
});

describe("backstop timer", () => {
  test("a native call that never returns rejects with TimeoutError naming cluster and op", async () => {
    const guard = new HandleGuard("cluster connection", { opMs: 200, longOpMs: 400 });
    const ctx = { cluster: "stuck-cluster", pool: "volumes", image: "vol1" };
    const started = Date.now();
    const err = await rejection(guard.run("stat image", ctx, () => new Promise<never>(() => undefined)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(err).toBeInstanceOf(ceph.TimeoutError);
    expect(err.message).toBe("ceph cluster stuck-cluster: stat image volumes/vol1 failed: ETIMEDOUT (no reply within 0.2s)");
    const long = Date.now();
    await expect(guard.run("flatten image", ctx, () => new Promise<never>(() => undefined), { long: true })).rejects.toBeInstanceOf(
      ceph.TimeoutError,
    );
    expect(Date.now() - long).toBeGreaterThanOrEqual(390);
  });

  test("backstops share one timer: a short deadline after a long one fires on time, settled calls leave it", async () => {
    const guard = new HandleGuard("cluster connection", { opMs: 300, longOpMs: 5000 });
    const ctx = { cluster: "stuck-cluster" };
    const started = Date.now();
    // The long call arms the timer first; the short one must not wait for it.
    const long = rejection(guard.run("flatten image", ctx, () => new Promise<never>(() => undefined), { long: true }));
    const settled = guard.run("get fsid", ctx, () => Promise.resolve("fsid"));
    const short = await rejection(guard.run("stat image", ctx, () => new Promise<never>(() => undefined)));
    expect(short.message).toContain("stat image failed: ETIMEDOUT (no reply within 0.3s)");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(settled).resolves.toBe("fsid");
    // A result that comes after its backstop fired goes to onLate, not to the caller.
    let late: string | undefined;
    let answer!: (v: string) => void;
    const slow = rejection(guard.run("open image", ctx, () => new Promise<string>((r) => (answer = r)), { onLate: (v) => (late = v) }));
    expect((await slow).code).toBe("ETIMEDOUT");
    answer("handle");
    await new Promise((r) => setImmediate(r));
    expect(late).toBe("handle");
    expect((await long).message).toContain("no reply within 5s");
    expect(Date.now() - started).toBeGreaterThanOrEqual(4990);
  });
});
