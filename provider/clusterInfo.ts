// CephClusterInfo: what clients need to find a cluster (fsid, monitor addresses), read from the
// cluster itself. Creating it creates nothing; read reports a changed monitor map as drift.
import type * as pulumi from "@pulumi/pulumi";
import { connectionSchema, getCluster } from "./connection";
import { z } from "zod";
import { parseInputs } from "./validate";

const clusterInfoInputs = z.object({ connection: connectionSchema });

async function info(raw: unknown) {
  const inputs = clusterInfoInputs.parse(raw);
  const c = await getCluster(inputs.connection);
  const [fsid, mons] = await Promise.all([c.fsid(), c.monAddrs()]);
  return { ...inputs, fsid, monHost: mons.join(",") };
}

export const clusterInfoProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(clusterInfoInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },
  async diff() {
    // It declares nothing but the connection, which is never a change: refresh re-reads fsid and mons.
    return { changes: false };
  },
  async update(_id, _olds, news) {
    return { outs: await info(news) };
  },
  async create(raw) {
    const outs = await info(raw);
    return { id: outs.fsid, outs };
  },
  async read(id, props) {
    return { id, props: await info(props) };
  },
  async delete() {
    // Nothing was created.
  },
};
