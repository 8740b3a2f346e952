// CephClusterInfo: what clients need to find a cluster (fsid, monitor addresses), read from the
// cluster itself. Creating it creates nothing; read reports a changed monitor map as drift.
import type * as pulumi from "@pulumi/pulumi";
import { connectionSchema, getCluster } from "./connection";
import { z } from "zod";
import { parseInputs } from "./validate";

const clusterInfoInputs = z.object({ connection: connectionSchema });

async function current(raw: unknown) {
  const inputs = clusterInfoInputs.parse(raw);
  const c = await getCluster(inputs.connection);
  const [fsid, mons] = await Promise.all([c.fsid(), c.monAddrs()]);
  return { ...inputs, fsid, monHost: mons.join(",") };
}

/**
 * Outputs: what the cluster says now, plus `applied`, what dependents (a client ceph.conf) were last
 * given. read refreshes the first and keeps the second, so a changed monitor map (or another cluster
 * behind the same connection) shows as an update in `preview --refresh`.
 */
async function info(raw: unknown) {
  const now = await current(raw);
  return { ...now, applied: { fsid: now.fsid, monHost: now.monHost } };
}

export const clusterInfoProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(clusterInfoInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },
  async diff(_id, olds) {
    // The connection is never a change (connection.ts). What is: a refresh found another fsid or
    // monitor map than the one last handed on to the resources that use them.
    const changed = ["fsid", "monHost"].filter((p) => olds.applied !== undefined && olds[p] !== olds.applied[p]);
    return { changes: changed.length > 0, replaces: [] };
  },
  async update(_id, _olds, news) {
    return { outs: await info(news) };
  },
  async create(raw) {
    const outs = await info(raw);
    return { id: outs.fsid, outs };
  },
  async read(id, props) {
    const now = await current(props);
    return { id, props: { ...now, applied: props.applied ?? { fsid: now.fsid, monHost: now.monHost } } };
  },
  async delete() {
    // Nothing was created.
  },
};
