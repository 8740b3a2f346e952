/**
 * Cinder's rbd_secret_uuid, Nova's [libvirt] rbd_secret_uuid and the libvirt
 * secret's UUID name one secret: Cinder hands its UUID to Nova in the volume's
 * connection info, Nova uses its own for ephemeral disks, and libvirt looks the
 * key up by UUID. If they differ, attaching or booting fails with an
 * authentication error on the compute node, far from the config that caused it.
 */

export interface SecretUuidSources {
  cinderRbdSecretUuid?: string;
  novaRbdSecretUuid?: string;
  libvirtSecretUuid?: string;
}

export type SharedSecretCheck = { ok: true; uuid: string | undefined } | { ok: false; error: string };

const LABELS: Record<keyof SecretUuidSources, string> = {
  libvirtSecretUuid: "the libvirt secret UUID",
  cinderRbdSecretUuid: "Cinder's rbd_secret_uuid",
  novaRbdSecretUuid: "Nova's [libvirt] rbd_secret_uuid",
};

/** Checks that every given UUID is the same; the error names each pair that disagrees. */
export function validateSharedSecretUuid(sources: SecretUuidSources): SharedSecretCheck {
  // The libvirt secret is what holds the key, so the others are compared with it first.
  const given = (Object.keys(LABELS) as (keyof SecretUuidSources)[]).flatMap((source) => {
    const uuid = sources[source];
    return uuid === undefined ? [] : [{ source, uuid }];
  });
  if (given.length === 0) return { ok: true, uuid: undefined };

  const [reference, ...others] = given;
  const disagreements = others
    .filter(({ uuid }) => uuid !== reference.uuid)
    .map(({ source, uuid }) => {
      const caseOnly = uuid.toLowerCase() === reference.uuid.toLowerCase() ? " only in letter case (write UUIDs in lowercase)" : "";
      return `${LABELS[source]} (${uuid}) differs from ${LABELS[reference.source]} (${reference.uuid})${caseOnly}`;
    });
  if (disagreements.length === 0) return { ok: true, uuid: reference.uuid };
  return { ok: false, error: `${disagreements.join("; ")}: all three must be the same UUID` };
}
