// Fault 7: a cluster user lacking a cap. The error names the operation and the daemon whose caps
// refused it (mon, osd or mgr), not a bare EACCES; nothing is created.
import * as native from "../../native";
import type { TestStack } from "../helpers/pulumi";
import { createStack } from "../helpers/pulumi";
import { errorLines, POOL, poolImages, program, setSecretConfig, startCli, startFaultCluster, type FaultCluster } from "./harness";
import { record } from "./report";

jest.setTimeout(600_000);

let cluster: FaultCluster;
const stacks: TestStack[] = [];

beforeAll(async () => {
  cluster = startFaultCluster();
  await cluster.ceph("osd", "pool", "create", POOL, "8");
  await cluster.rbd("pool", "init", POOL);
});
afterAll(async () => {
  for (const s of stacks) await s.teardown();
  cluster?.stop();
});

/** A user with exactly these caps (ceph auth get-or-create), and its key. */
async function user(entity: string, caps: string[]): Promise<string> {
  await cluster.ceph("auth", "get-or-create", entity, ...caps);
  return (await cluster.cephJson("auth", "get", entity))[0].key;
}

async function stackAs(entity: string, key: string): Promise<TestStack> {
  const s = await createStack(program, "fault-perm");
  stacks.push(s);
  await s.setConfig("ceph:monHost", cluster.monHost);
  await s.setConfig("ceph:entity", entity);
  await s.setConfig("ceph:label", "faults-perm");
  await s.setConfig("ceph:retries", "0");
  await setSecretConfig(s, "ceph:key", key);
  return s;
}

test("no osd caps: creating an image fails naming the operation and the osd caps", async () => {
  const key = await user("client.noosd", ["mon", "allow r"]);
  const s = await stackAs("client.noosd", key);
  await s.setSpec({ images: [{ resource: "img0", pool: POOL, name: "img0", size: "4MiB" }] });
  const r = await startCli(s, ["up", "--yes", "--skip-preview"]).done;
  expect(r.code).not.toBe(0);
  const text = r.stdout + r.stderr;
  expect(text).toMatch(
    /ceph cluster faults-perm: ((create|open) image faults\/img0|list (images|trash removals) faults) failed: EPERM \(Operation not permitted\) \(refused by the osd: the connecting user's osd caps do not allow it\)/,
  );
  expect(await poolImages(cluster)).toEqual([]);
  record(__filename, {
    fault: "user without osd caps creates an image",
    how: "client.noosd with caps `mon 'allow r'` only; `pulumi up` of one image",
    timeToFailMs: r.ms,
    errorText: errorLines(text, 2),
    leftInCeph: "0 images",
    leftInState: "no image",
    recovery: "grant the osd caps (`profile rbd pool=faults`), `pulumi up`",
  });
});

test("read-only mon caps: creating a pool fails naming the mon command and the mon caps", async () => {
  const key = await user("client.monro", ["mon", "allow r", "osd", "allow *"]);
  const s = await stackAs("client.monro", key);
  await s.setSpec({ pools: [{ resource: "perm2", name: "perm2", application: "rbd" }] });
  const r = await startCli(s, ["up", "--yes", "--skip-preview"]).done;
  expect(r.code).not.toBe(0);
  const text = r.stdout + r.stderr;
  expect(text).toMatch(
    /ceph cluster faults-perm: osd pool create (perm2|pulumi-new-[0-9a-f]+) failed: EACCES \(Permission denied\) \(refused by the mon: the connecting user's mon caps do not allow it\)/,
  );
  expect(await cluster.cephJson("osd", "pool", "ls")).not.toContain("perm2");
  record(__filename, {
    fault: "user with read-only mon caps creates a pool",
    how: "client.monro with `mon 'allow r' osd 'allow *'`; `pulumi up` of one pool",
    timeToFailMs: r.ms,
    errorText: errorLines(text, 2),
    leftInCeph: "no pool perm2",
    leftInState: "no pool",
    recovery: "grant `mon 'allow rw'` (or profile), `pulumi up`",
  });
});

test("mgr caps that do not allow a command: the addon's mgr command names the mgr caps", async () => {
  const key = await user("client.nomgr", ["mon", "allow r", "mgr", 'allow command "balancer status"']);
  const c = await native.connect({ monHost: cluster.monHost, entity: "client.nomgr", key, label: "faults-perm", retries: 0 });
  try {
    const err: native.CephError = await c.mgrCommand({ prefix: "osd pool autoscale-status", format: "json" }).then(
      () => {
        throw new Error("expected a refusal");
      },
      (e) => e,
    );
    expect(err).toBeInstanceOf(native.PermissionError);
    expect(err.message).toMatch(
      /^ceph cluster faults-perm: osd pool autoscale-status failed: EACCES \(Permission denied\) \(refused by the mgr: the connecting user's mgr caps do not allow it\)/,
    );
    expect(err.message).not.toContain(key);
  } finally {
    await c.close();
  }
});
