// librbd's own object-class calls on an image's header object, sent without opening the image.
// Opening costs more than the call it serves (a header read, a watch registered and dropped,
// a refresh), so this is for the one step where no open is needed: the owner marker on an image
// this process has just created, which nobody else can have open yet. An image that is open
// elsewhere caches its metadata and would not see the change until its next refresh.
import { addon } from "./binding";
import type { IoCtx } from "./cluster";
import { invalidArgument } from "./errors";

/** Ceph's encoding of a std::map<std::string, bufferlist> (what cls_rbd's metadata_set reads). */
function encodeStringMap(entries: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [u32(entries.length)];
  for (const [k, v] of entries) {
    const key = Buffer.from(k);
    const value = Buffer.from(v);
    parts.push(u32(key.length), key, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/**
 * Sets one image metadata entry (as `rbd image-meta set` does) on the image with this id, in one
 * round trip; NotFoundError if no image has that id (nothing is written then).
 */
export async function setHeaderMetadata(io: IoCtx, imageId: string, key: string, value: string): Promise<void> {
  const op = "set image metadata";
  const ctx = io.ctx({ object: `rbd_header.${imageId}` });
  if (typeof imageId !== "string" || !/^[0-9a-f]+$/.test(imageId)) throw invalidArgument(op, ctx, "image id must be librbd's hex id");
  if (typeof key !== "string" || key === "" || key.includes("\0")) throw invalidArgument(op, ctx, "key must be a non-empty string");
  if (typeof value !== "string" || value.includes("\0")) throw invalidArgument(op, ctx, "value must be a string without NUL");
  const input = encodeStringMap([[key, value]]);
  await io.guard.run(op, ctx, () => addon().objectExec(io.handle, `rbd_header.${imageId}`, "rbd", "metadata_set", input));
}
