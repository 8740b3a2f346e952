// The XML libvirt uses to describe a secret: written for `virsh secret-define`,
// read from `virsh secret-dumpxml`. The secret's value is never part of it.

export interface SecretDescription {
  uuid: string;
  /** "ceph", "volume", "iscsi", "tls", "vtpm", or "none" when the secret has no usage. */
  usageType: string;
  /** The usage's identifying text (<name>, <volume> or <target>), undefined for "none". */
  usageName: string | undefined;
  ephemeral: boolean;
  private: boolean;
  /** The secret's <description>, if it has one (the provider's owner marker lives there). */
  description?: string;
}

/**
 * A persistent (ephemeral='no'), readable (private='no') ceph secret, as Nova and Cinder expect:
 * libvirt hands the value to QEMU for RBD disks, and the provider reads it back to detect drift.
 */
export function renderCephSecretXml(uuid: string, usageName: string, description?: string): string {
  return [
    "<secret ephemeral='no' private='no'>",
    `  <uuid>${escapeXml(uuid)}</uuid>`,
    ...(description !== undefined ? [`  <description>${escapeXml(description)}</description>`] : []),
    "  <usage type='ceph'>",
    `    <name>${escapeXml(usageName)}</name>`,
    "  </usage>",
    "</secret>",
    "",
  ].join("\n");
}

/** Parses libvirt's own secret XML (flat and predictable, so no general XML parser is needed). */
export function parseSecretXml(xml: string): SecretDescription {
  const root = /<secret\b([^>]*)>([\s\S]*)<\/secret>/.exec(xml);
  if (!root) throw new Error("not a libvirt secret XML document: no <secret> element");
  const [, rootAttributes, body] = root;
  const uuid = /<uuid>([^<]*)<\/uuid>/.exec(body)?.[1];
  if (uuid === undefined) throw new Error("libvirt secret XML has no <uuid>");
  const description = /<description>([^<]*)<\/description>/.exec(body)?.[1];
  const usage = /<usage\b([^>]*?)(?:\/>|>([\s\S]*?)<\/usage>)/.exec(body);
  const usageName = usage?.[2] ? /<(?:name|volume|target)>([^<]*)<\//.exec(usage[2])?.[1] : undefined;
  return {
    uuid: unescapeXml(uuid.trim()),
    usageType: (usage && attribute(usage[1], "type")) ?? "none",
    usageName: usageName === undefined ? undefined : unescapeXml(usageName),
    ephemeral: attribute(rootAttributes, "ephemeral") === "yes",
    private: attribute(rootAttributes, "private") === "yes",
    ...(description !== undefined ? { description: unescapeXml(description) } : {}),
  };
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`).exec(attributes);
  if (!match) return undefined;
  return unescapeXml(match[1] ?? match[2]);
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return NAMED_ENTITIES[entity];
  });
}
