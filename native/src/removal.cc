// What a delete must know of an image before librbd removes it, read without opening it: the
// image's id object, its header (features, flags, snapshots, parent) and its object map, with the
// object-class methods librbd's own open sends. An open builds a whole image context (a copy of
// the client's configuration among it) and rbd_remove builds another: reading these three objects
// instead of the first costs a fraction of it (bench/results/NOTES.md). Watchers are not here:
// Pacific's C API lists them only through an open image, and rbd_remove refuses a watched image
// itself (EBUSY), so the provider checks them through the open it falls back to.
#include <memory>

#include "cls_read.h"
#include "image.h"

namespace ceph_native {

namespace {

using namespace cls_read;

struct RemovalFacts {
  std::string id;
  uint64_t features = 0, flags = 0;
  uint32_t snapshots = 0;
  int64_t parent_pool = -1;
  // Every object of the image absent by its object map; unset when it has no object map.
  std::optional<bool> object_map_empty;
};

// A read op on `oid`, synchronously (this runs on the threadpool); 0 or -errno, replies filled.
int Operate(rados_ioctx_t io, ReadOp* op, const std::string& oid) {
  return rados_read_op_operate(op->op, io, oid.c_str(), 0);
}

// BitVector<2> as cls_rbd object_map_load answers (common/bit_vector.hpp): the header as an
// encoded bufferlist (u32 length; version, compat, length; u64 element count), then the elements,
// four to a byte, then a footer. OBJECT_NONEXISTENT is 0: an image without objects is all zero bytes.
int DecodeObjectMapEmpty(const Reply& reply, uint64_t objects, bool* empty) {
  Decoder d(reply.data, reply.len);
  uint32_t header_len;
  uint64_t count;
  if (!d.U32(&header_len) || header_len < 14 || !d.StructStart() || !d.U64(&count)) return kNeedsOpen;
  if (count != objects) return kNeedsOpen;  // not this image's size: let librbd judge
  const size_t data_start = 4 + header_len, data_len = (count + 3) / 4;
  if (reply.len < data_start + data_len) return kNeedsOpen;
  *empty = true;
  for (size_t i = 0; i < data_len; ++i) {
    if (reply.data[data_start + i] != 0) {
      *empty = false;
      break;
    }
  }
  return 0;
}

// The three reads; 0, kNeedsOpen (only an open answers: an image not whole, or not plain) or -errno.
int ReadRemovalFacts(rados_ioctx_t io, const std::string& name, RemovalFacts* out) {
  ReadOp id_op;
  Reply id_reply;
  id_op.Exec("get_id", "", &id_reply);
  int rc = DecodeId(Operate(io, &id_op, "rbd_id." + name), id_reply, &out->id);
  if (rc != 0) return rc;

  ReadOp header_op;
  Reply size, features, flags, snapc, parent;
  const std::string head = EncodeU64(kHead);
  header_op.Exec("get_size", head, &size);
  header_op.Exec("get_features", head, &features);
  header_op.Exec("get_flags", head, &flags);
  header_op.Exec("get_snapcontext", "", &snapc);
  header_op.Exec("parent_get", "", &parent);
  rc = Operate(io, &header_op, "rbd_header." + out->id);
  if (rc < 0) return Triage(rc);
  for (const Reply* r : {&size, &features, &flags, &snapc, &parent}) {
    if (r->rc < 0) return Triage(r->rc);
  }
  uint8_t order;
  uint64_t image_size, incompatible, seq;
  auto ds = size.decoder(), df = features.decoder(), dfl = flags.decoder(), dsc = snapc.decoder(), dp = parent.decoder();
  if (!ds.U8(&order) || !ds.U64(&image_size) || !df.U64(&out->features) || !df.U64(&incompatible) ||
      !dfl.U64(&out->flags) || !dsc.U64(&seq) || !dsc.U32(&out->snapshots) || !dp.StructStart() ||
      !dp.I64(&out->parent_pool)) {
    return kNeedsOpen;
  }
  if ((out->features & ~kPlainFeatures) != 0 || order < 12 || order > 25) return kNeedsOpen;
  if ((out->features & RBD_FEATURE_OBJECT_MAP) == 0) return 0;

  ReadOp map_op;
  Reply map;
  map_op.Exec("object_map_load", "", &map);
  rc = Operate(io, &map_op, "rbd_object_map." + out->id);
  if (rc < 0) return Triage(rc);
  if (map.rc < 0) return Triage(map.rc);
  const uint64_t object_size = uint64_t{1} << order;
  bool empty;
  rc = DecodeObjectMapEmpty(map, (image_size + object_size - 1) / object_size, &empty);
  if (rc != 0) return rc;
  out->object_map_empty = empty;
  return 0;
}

// imageRemovalFacts(ioctx, name) -> {id, features, flags, snapshots, parentPool, objectMapEmpty}
// (objectMapEmpty null without an object map), or null where only an open answers.
Napi::Value ImageRemovalFacts(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto name = StringArg(info, 1, "name");
  auto out = std::make_shared<RemovalFacts>();
  auto needs_open = std::make_shared<bool>(false);
  return Queue(
      info.Env(), "read removal facts", {ioctx},
      [ioctx, name, out, needs_open]() -> int {
        int rc = ReadRemovalFacts(ioctx->raw(), name, out.get());
        if (rc == kNeedsOpen) *needs_open = true;
        return rc == kNeedsOpen ? 0 : rc;
      },
      [out, needs_open](Napi::Env env) -> Napi::Value {
        if (*needs_open) return env.Null();
        auto o = Napi::Object::New(env);
        o.Set("id", out->id);
        o.Set("features", NumberU64(env, out->features));
        o.Set("flags", NumberU64(env, out->flags));
        o.Set("snapshots", Napi::Number::New(env, out->snapshots));
        o.Set("parentPool", Napi::Number::New(env, static_cast<double>(out->parent_pool)));
        o.Set("objectMapEmpty", out->object_map_empty ? Napi::Boolean::New(env, *out->object_map_empty) : env.Null());
        return o;
      });
}

}  // namespace

void InitRemoval(Napi::Env env, Napi::Object exports) {
  exports.Set("imageRemovalFacts", Napi::Function::New(env, ImageRemovalFacts, "imageRemovalFacts"));
}

}  // namespace ceph_native
