// An image's stat read from its header with the object-class methods librbd's own open sends
// (cls_rbd get_id, get_size, get_features, get_object_prefix, get_flags, parent_get, get_data_pool),
// in two read ops and without opening the image. An open builds and tears down a whole image
// context: about ten OSD ops and, measured on the test cluster, ten times the CPU of these two
// (bench/results/NOTES.md). A refresh reads every image, so that is most of what a read costs.
// Only plain images are answered here; everything else is left to librbd (kNeedsOpen).
#include <cerrno>

#include "image.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Ceph's encoding is little-endian; Decoder copies as is");

namespace ceph_native {

namespace {

constexpr uint64_t kHead = static_cast<uint64_t>(-2);  // CEPH_NOSNAP: the image itself, not a snapshot

// Features whose image librbd reports exactly as its header says. Striping (object count),
// migration (the open follows the migration) and anything newer are left to the open.
constexpr uint64_t kPlainFeatures = RBD_FEATURE_LAYERING | RBD_FEATURE_EXCLUSIVE_LOCK | RBD_FEATURE_OBJECT_MAP |
                                    RBD_FEATURE_FAST_DIFF | RBD_FEATURE_DEEP_FLATTEN | RBD_FEATURE_JOURNALING |
                                    RBD_FEATURE_DATA_POOL | RBD_FEATURE_OPERATIONS;

// Ceph's little-endian encoding of the few types these methods answer with (include/encoding.h).
class Decoder {
 public:
  Decoder(const char* data, size_t len) : p_(data), left_(data ? len : 0) {}
  bool U8(uint8_t* v) { return Take(v, 1); }
  bool U32(uint32_t* v) { return Take(v, 4); }
  bool U64(uint64_t* v) { return Take(v, 8); }
  bool I64(int64_t* v) { return Take(v, 8); }
  bool String(std::string* s) {
    uint32_t len;
    if (!U32(&len) || len > left_) return false;
    s->assign(p_, len);
    Skip(len);
    return true;
  }
  // ENCODE_START's header: version, compat version, length of what follows.
  bool StructStart() {
    uint8_t v, compat;
    uint32_t len;
    return U8(&v) && U8(&compat) && U32(&len) && compat <= 1 && len <= left_;
  }

 private:
  bool Take(void* v, size_t n) {
    if (left_ < n) return false;
    memcpy(v, p_, n);
    Skip(n);
    return true;
  }
  void Skip(size_t n) {
    p_ += n;
    left_ -= n;
  }
  const char* p_;
  size_t left_;
};

// One object-class call's reply within a read op; freed with the op.
struct Reply {
  char* data = nullptr;
  size_t len = 0;
  int rc = 0;
  ~Reply() {
    if (data) rados_buffer_free(data);
  }
  Decoder decoder() const { return Decoder(data, len); }
};

// A read op released on every path.
struct ReadOp {
  rados_read_op_t op = rados_create_read_op();
  ~ReadOp() { rados_release_read_op(op); }
  void Exec(const char* method, const std::string& input, Reply* reply) {
    rados_read_op_exec(op, "rbd", method, input.data(), input.size(), &reply->data, &reply->len, &reply->rc);
  }
  int Operate(rados_ioctx_t io, const std::string& oid) { return rados_read_op_operate(op, io, oid.c_str(), 0); }
};

std::string EncodeU64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

// What the open decides: no id object (an old-format image, or none), no header (an image not
// whole), a method or an input this OSD does not take. Anything else (a timeout, a refusal by
// caps, a lost connection) the open would meet too: it is returned, not paid for twice.
int Triage(int rc) {
  switch (rc) {
    case -ENOENT:
    case -EOPNOTSUPP:
    case -EINVAL:
    case -ENOEXEC:
    case -EIO:
      return kNeedsOpen;
    default:
      return rc;
  }
}

// rbd_id.<name> holds the image's id (cls_rbd get_id).
int ReadId(rados_ioctx_t io, const std::string& name, std::string* id) {
  ReadOp op;
  Reply reply;
  op.Exec("get_id", "", &reply);
  int rc = op.Operate(io, "rbd_id." + name);
  if (rc < 0) return Triage(rc);
  if (reply.rc < 0) return Triage(reply.rc);
  auto d = reply.decoder();
  return d.String(id) && !id->empty() ? 0 : kNeedsOpen;
}

}  // namespace

int StatFromHeader(rados_ioctx_t io, const std::string& name, StatResult* out) {
  std::string id;
  int rc = ReadId(io, name, &id);
  if (rc != 0) return rc;

  ReadOp op;
  Reply size, features, prefix, flags, parent, data_pool;
  const std::string head = EncodeU64(kHead);
  op.Exec("get_size", head, &size);
  op.Exec("get_features", head, &features);
  op.Exec("get_object_prefix", "", &prefix);
  op.Exec("get_flags", head, &flags);
  op.Exec("parent_get", "", &parent);
  op.Exec("get_data_pool", "", &data_pool);
  rc = op.Operate(io, "rbd_header." + id);
  if (rc < 0) return Triage(rc);
  for (const Reply* r : {&size, &features, &prefix, &flags, &parent, &data_pool}) {
    if (r->rc < 0) return Triage(r->rc);
  }

  uint8_t order;
  uint64_t image_size, feature_bits, incompatible, flag_bits;
  int64_t parent_pool, data_pool_id;
  std::string object_prefix;
  auto ds = size.decoder(), df = features.decoder(), dp = prefix.decoder(), dfl = flags.decoder(),
       dpa = parent.decoder(), dd = data_pool.decoder();
  if (!ds.U8(&order) || !ds.U64(&image_size) || !df.U64(&feature_bits) || !df.U64(&incompatible) ||
      !dp.String(&object_prefix) || !dfl.U64(&flag_bits) || !dpa.StructStart() || !dpa.I64(&parent_pool) ||
      !dd.I64(&data_pool_id)) {
    return kNeedsOpen;
  }
  if ((feature_bits & ~kPlainFeatures) != 0 || parent_pool != -1 || order < 12 || order > 25) return kNeedsOpen;

  const uint64_t object_size = uint64_t{1} << order;
  out->info.size = image_size;
  out->info.obj_size = object_size;
  out->info.num_objs = (image_size + object_size - 1) / object_size;  // librbd's count, unstriped
  out->info.order = order;
  out->info.parent_pool = -1;
  out->id = id;
  out->block_name_prefix = object_prefix;
  out->features = feature_bits;
  out->flags = flag_bits;
  // librbd reports the image's own pool where no data pool is set.
  const int64_t pool_id = data_pool_id >= 0 ? data_pool_id : rados_ioctx_get_id(io);
  rc = ReadGrowing(&out->data_pool, 64, [io, pool_id](char* buf, size_t len) {
    return rados_pool_reverse_lookup(rados_ioctx_get_cluster(io), pool_id, buf, len);
  });
  return rc < 0 ? kNeedsOpen : 0;
}

namespace {

// statImageFromHeader(ioctx, name) -> the stat as imageStat gives it, or null where only an open
// answers exactly (errors the open would meet too reject, as statImageByName's do). statImageByName uses the same read first; this entry point lets tests and
// benchmarks see which way a stat went.
Napi::Value ImageStatFromHeader(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto name = StringArg(info, 1, "name");
  auto out = std::make_shared<StatResult>();
  auto answered = std::make_shared<bool>(false);
  return Queue(
      info.Env(), "stat image from header", {ioctx},
      [ioctx, name, out, answered]() -> int {
        int rc = StatFromHeader(ioctx->raw(), name, out.get());
        *answered = rc == 0;
        return rc < 0 ? rc : 0;
      },
      [out, answered](Napi::Env env) -> Napi::Value { return *answered ? StatValue(env, *out) : env.Null(); });
}

}  // namespace

void InitHeader(Napi::Env env, Napi::Object exports) {
  exports.Set("imageStatFromHeader", Napi::Function::New(env, ImageStatFromHeader, "imageStatFromHeader"));
}

}  // namespace ceph_native
