// MirrorPeer: makes `cluster`'s pool receive from `remoteCluster`'s pool (rx-only), or both ways
// (rx-tx), with bootstrap tokens. The token carries a cephx key: it is created, imported and wiped
// inside one handler call and never reaches state, logs, argv or error messages. State keeps the
// peer uuids, the site names and the direction; the peer lists are read for drift.
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import type { IoCtx } from "../../native";
import { clusterLabel, connectionSchema, getCluster, withPool, type Connection } from "../connection";
import { notOurs, ownerSchema } from "../ownership";
import { diffProperties } from "../diff";
import { cephName, parseInputs } from "../validate";
import { native, poolMarker, removePoolMarker, requireRbdPool, setPoolMarker, waitFor } from "./common";

export const mirrorPeerInputs = z.object({
  connection: connectionSchema,
  remoteConnection: connectionSchema,
  owner: ownerSchema,
  pool: cephName("pool"),
  remotePool: cephName("remotePool").optional(),
  direction: z.enum(["rx-only", "rx-tx"], { error: 'direction must be "rx-only" or "rx-tx"' }),
});

type Inputs = z.output<typeof mirrorPeerInputs>;

/** Outputs: what was set up, and `peers`, how the peer lists look now (the declared direction when all is in place). */
export interface MirrorPeerOutputs extends Inputs {
  siteName: string;
  remoteSiteName: string;
  /** The peer (remoteCluster) registered in cluster's pool. */
  peerUuid: string;
  /** rx-tx: the peer (cluster) registered in remoteCluster's pool. */
  remotePeerUuid?: string;
  peers: string;
}

const remotePoolOf = (i: Inputs) => i.remotePool ?? i.pool;
/** Pool metadata key naming the MirrorPeer that added the peer for one remote site. */
const markerKey = (remoteSite: string) => `pulumi-peer-owner.${remoteSite}`;

async function siteName(conn: Connection): Promise<string> {
  return native().getMirrorSiteName(await getCluster(conn));
}

/** Imports a token made on `from`'s pool into `into`'s pool. The token stays in this function. */
async function importPeer(from: IoCtx, into: IoCtx, direction: "rx-only" | "rx-tx"): Promise<void> {
  const n = native();
  const token = await n.createBootstrapToken(from);
  try {
    await n.importBootstrapToken(into, direction, token);
  } finally {
    token.fill(0);
  }
}

async function findPeer(io: IoCtx, site: string) {
  return (await native().listMirrorPeers(io)).find((p) => p.siteName === site);
}

/** A peer this pool receives from. (A tx-only entry is what the other side's rbd-mirror registers by itself.) */
async function findReceivingPeer(io: IoCtx, site: string) {
  const peer = await findPeer(io, site);
  return peer && peer.direction !== "tx-only" ? peer : undefined;
}

/** The peer lists as one word: the declared direction when both sides are as declared, else what is missing. */
async function readPeers(inputs: Inputs, state: { siteName: string; remoteSiteName: string }): Promise<{ peers: string; peerUuid?: string; remotePeerUuid?: string }> {
  return withPool(inputs.connection, inputs.pool, (local) =>
    withPool(inputs.remoteConnection, remotePoolOf(inputs), async (remote) => {
      const here = await findReceivingPeer(local, state.remoteSiteName);
      const there = await findReceivingPeer(remote, state.siteName);
      const wantBack = inputs.direction === "rx-tx";
      let peers: string;
      if (!here) peers = there && wantBack ? `no peer ${state.remoteSiteName} in ${inputs.pool}` : "none";
      else if (here.direction !== inputs.direction) peers = here.direction;
      else if (wantBack && !there) peers = `${here.direction} without a peer back in ${state.remoteSiteName}`;
      else peers = inputs.direction;
      return { peers, peerUuid: here?.uuid, remotePeerUuid: wantBack ? there?.uuid : undefined };
    }),
  );
}

async function ensurePeers(inputs: Inputs): Promise<MirrorPeerOutputs> {
  const label = clusterLabel(inputs.connection);
  const remoteLabel = clusterLabel(inputs.remoteConnection);
  const c = await getCluster(inputs.connection);
  const rc = await getCluster(inputs.remoteConnection);
  await requireRbdPool(c, label, inputs.pool, "add mirror peer");
  await requireRbdPool(rc, remoteLabel, remotePoolOf(inputs), "add mirror peer");
  if ((await c.fsid()) === (await rc.fsid())) {
    throw new Error(`ceph cluster ${label}: add mirror peer: remoteCluster ${remoteLabel} is the same cluster (same fsid)`);
  }
  const site = await siteName(inputs.connection);
  const remoteSite = await siteName(inputs.remoteConnection);
  if (site === remoteSite) {
    throw new Error(`ceph cluster ${label}: add mirror peer: both clusters have the site name "${site}"; give them distinct ones (PoolMirroring siteName)`);
  }
  const n = native();
  await withPool(inputs.connection, inputs.pool, (local) =>
    withPool(inputs.remoteConnection, remotePoolOf(inputs), async (remote) => {
      const existing = await findReceivingPeer(local, remoteSite);
      if (existing) {
        // A peer for that site is there: this resource's own (a create repeated after a crash) or someone else's.
        const owner = await poolMarker(c, inputs.pool, markerKey(remoteSite));
        if (!inputs.owner || owner !== inputs.owner) {
          throw notOurs({ cluster: label, what: `mirror peer ${remoteSite} of pool`, id: inputs.pool, found: owner });
        }
        if (existing.direction !== inputs.direction) await n.removeMirrorPeer(local, existing.uuid);
      }
      if (inputs.owner) {
        await setPoolMarker(c, inputs.pool, markerKey(remoteSite), inputs.owner);
        if (inputs.direction === "rx-tx") await setPoolMarker(rc, remotePoolOf(inputs), markerKey(site), inputs.owner);
      }
      let addedHere = false;
      if (!(await findReceivingPeer(local, remoteSite))) {
        const stale = await findPeer(local, remoteSite);
        if (stale) await n.removeMirrorPeer(local, stale.uuid);
        await importPeer(remote, local, inputs.direction);
        addedHere = true;
      }
      // rx-tx: the remote pool receives from this one too (failback needs it). A tx-only entry there
      // (registered by this side's rbd-mirror) is replaced by a receiving one.
      if (inputs.direction === "rx-tx" && !(await findReceivingPeer(remote, site))) {
        const stale = await findPeer(remote, site);
        if (stale) await n.removeMirrorPeer(remote, stale.uuid);
        try {
          await importPeer(local, remote, "rx-tx");
        } catch (e) {
          // A failed create is not in state: undo the half added here so nothing is left that only
          // a marker owns (a later destroy of the pool's mirroring would trip over it).
          if (addedHere) {
            const added = await findPeer(local, remoteSite);
            if (added) await n.removeMirrorPeer(local, added.uuid);
          }
          throw e;
        }
      }
    }),
  );
  const now = await readPeers(inputs, { siteName: site, remoteSiteName: remoteSite });
  if (!now.peerUuid) throw new Error(`ceph cluster ${label}: add mirror peer: the bootstrap import left no peer ${remoteSite} in pool ${inputs.pool}`);
  return { ...inputs, siteName: site, remoteSiteName: remoteSite, peerUuid: now.peerUuid, remotePeerUuid: now.remotePeerUuid, peers: now.peers };
}

const REPLICA_GONE_WAIT_MS = 60_000;
const SWEEP_WAIT_MS = 60_000;

/** Non-primary mirror copies in the pool (rbd-mirror's replicas). */
async function replicas(io: IoCtx): Promise<string[]> {
  const n = native();
  const out: string[] = [];
  for (const { name } of await n.listImages(io)) {
    const info = await n.withImage(io, name, (img) => n.getImageMirrorInfo(img), { readOnly: true }).catch(() => undefined);
    if (info && info.state === "enabled" && !info.primary) out.push(name);
  }
  return out;
}

export const mirrorPeerProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(mirrorPeerInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },

  async diff(_id, olds, news) {
    const d = diffProperties(olds, news, { identity: ["pool", "remotePool", "direction"], replace: ["pool", "remotePool", "direction"], update: [] });
    // A peer removed out of band (read says so): the update imports it again.
    if (!d.changes && typeof olds.peers === "string" && olds.peers !== news.direction) return { ...d, changes: true, changed: ["peers"] };
    return d;
  },

  async create(raw) {
    const inputs = mirrorPeerInputs.parse(raw);
    const outs = await ensurePeers(inputs);
    return { id: `${inputs.pool}<-${outs.remoteSiteName}`, outs };
  },

  async read(id, props) {
    const inputs = mirrorPeerInputs.parse(props);
    try {
      const now = await readPeers(inputs, { siteName: props.siteName, remoteSiteName: props.remoteSiteName });
      return { id, props: { ...props, ...now, peerUuid: now.peerUuid ?? props.peerUuid } };
    } catch (e) {
      if (native().isCephError(e, "ENOENT")) return {};
      throw e;
    }
  },

  async update(_id, _olds, news) {
    return { outs: await ensurePeers(mirrorPeerInputs.parse(news)) };
  },

  async delete(_id, props) {
    const inputs = mirrorPeerInputs.parse(props);
    const n = native();
    const removeFrom = async (conn: Connection, pool: string, site: string) => {
      const c = await getCluster(conn);
      if (!(await n.listPools(c)).includes(pool)) return;
      await withPool(conn, pool, async (io) => {
        const peer = await findPeer(io, site);
        // Replicas still following the peer would be stranded (never updated, never removed): once
        // their primary is gone rbd-mirror removes them, so wait for that, bounded.
        if (peer) {
          await waitFor(
            `ceph cluster ${clusterLabel(conn)}: remove mirror peer ${site} of pool ${pool}: replicas still follow it (remove or stop mirroring their primaries first)`,
            REPLICA_GONE_WAIT_MS,
            async () => ((await replicas(io)).length === 0 ? true : undefined),
            1000,
          );
        }
        if (peer) await n.removeMirrorPeer(io, peer.uuid);
      });
      await removePoolMarker(c, pool, markerKey(site));
    };
    await removeFrom(inputs.connection, inputs.pool, props.remoteSiteName);
    if (inputs.direction === "rx-tx") await removeFrom(inputs.remoteConnection, remotePoolOf(inputs), props.siteName);
    // Until each rbd-mirror notices its peer is gone (its next refresh), it may register itself at
    // the other side again as a tx-only peer: sweep those until both lists stay clear.
    const sides: Array<[Connection, string, string]> = [
      [inputs.connection, inputs.pool, props.remoteSiteName],
      [inputs.remoteConnection, remotePoolOf(inputs), props.siteName],
    ];
    let quiet = 0;
    await waitFor(`ceph cluster ${clusterLabel(inputs.connection)}: remove mirror peers of pool ${inputs.pool}: they keep coming back`, SWEEP_WAIT_MS, async () => {
      let found = false;
      for (const [conn, pool, site] of sides) {
        const c = await getCluster(conn);
        if (!(await n.listPools(c)).includes(pool)) continue;
        await withPool(conn, pool, async (io) => {
          const peer = await findPeer(io, site);
          if (peer) {
            found = true;
            await n.removeMirrorPeer(io, peer.uuid);
          }
        });
      }
      quiet = found ? 0 : quiet + 1;
      return quiet >= 3 ? true : undefined;
    }, 1000);
  },
};
