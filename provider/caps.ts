// cephx capabilities: validation, a canonical spelling for comparisons, and the rbd-profile
// builders OpenStack's users need (glance, cinder, cinder-backup are one call each).

export const CAP_DAEMONS = ["mon", "osd", "mgr", "mds"] as const;
export type CapDaemon = (typeof CAP_DAEMONS)[number];
export type Caps = Partial<Record<CapDaemon, string>>;

/** "profile rbd pool=a ,profile rbd pool=b" and "profile rbd pool=a, profile rbd pool=b" mean the same. */
export function canonicalCap(cap: string): string {
  return cap
    .split(",")
    .map((grant) => grant.trim().replace(/\s+/g, " "))
    .filter((grant) => grant.length > 0)
    .join(", ");
}

export function canonicalCaps(caps: Caps): Caps {
  const out: Caps = {};
  for (const d of CAP_DAEMONS) {
    const cap = caps[d];
    if (cap !== undefined && cap.trim() !== "") out[d] = canonicalCap(cap);
  }
  return out;
}

/** Why a cap string is not one the monitors would accept, or undefined. A light check of the grammar. */
export function capProblem(daemon: CapDaemon, cap: string): string | undefined {
  // A line break would end the cap in a keyring file and start a line of its own.
  if (/[\u0000-\u001f\u007f]/.test(cap)) return "must not contain control characters or line breaks";
  for (const grant of canonicalCap(cap).split(", ")) {
    if (grant === "") return "is empty";
    if (/^allow(\s|$)/.test(grant)) {
      if (!/^allow\s+(\*|[rwx]+|class-read|class-write|command\s+.+|profile\s+\S+|.+)/.test(grant)) return `has a bad grant "${grant}"`;
      continue;
    }
    if (/^profile\s+[a-z][a-z0-9_-]*(\s+(pool|namespace|tag)=\S+)*$/.test(grant)) continue;
    return `grant "${grant}" for ${daemon} must start with "allow" or "profile"`;
  }
  return undefined;
}

export interface RbdCapsOptions {
  /** Pools the user reads and writes images in. */
  pools?: string[];
  /** Pools the user may only read (e.g. Cinder reading Glance's images pool for clones). */
  readOnlyPools?: string[];
}

/**
 * The caps OpenStack's RBD users are given, built from pool lists:
 * mon 'profile rbd', osd 'profile rbd pool=... , profile rbd-read-only pool=...', mgr 'profile rbd pool=...'.
 */
export function rbdProfileCaps(opts: RbdCapsOptions): Caps {
  const pools = opts.pools ?? [];
  const readOnly = opts.readOnlyPools ?? [];
  const osd = [...pools.map((p) => `profile rbd pool=${p}`), ...readOnly.map((p) => `profile rbd-read-only pool=${p}`)];
  const mgr = pools.map((p) => `profile rbd pool=${p}`);
  return {
    mon: "profile rbd",
    ...(osd.length ? { osd: osd.join(", ") } : {}),
    ...(mgr.length ? { mgr: mgr.join(", ") } : {}),
  };
}

/** The rbd-mirror daemon's own user, as Ceph documents it: mon 'profile rbd-mirror', osd 'profile rbd'. */
export function rbdMirrorDaemonCaps(): Caps {
  return { mon: "profile rbd-mirror", osd: "profile rbd" };
}

/**
 * The user a peer's rbd-mirror connects as (what a bootstrap token creates, client.rbd-mirror-peer):
 * mon 'profile rbd-mirror-peer', osd 'profile rbd' (or only the given pools).
 */
export function rbdMirrorPeerCaps(opts: { pools?: string[] } = {}): Caps {
  const pools = opts.pools ?? [];
  return { mon: "profile rbd-mirror-peer", osd: pools.length ? pools.map((p) => `profile rbd pool=${p}`).join(", ") : "profile rbd" };
}
