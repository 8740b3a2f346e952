// Reading cls_rbd's answers without librbd: the read op, its replies and Ceph's little-endian
// encoding of the few types those methods answer with. Shared by the header stat (header.cc) and
// the removal checks (removal.cc), which send the methods librbd's own open sends.
#pragma once

#include <rados/librados.h>
#include <rbd/librbd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "image.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Ceph's encoding is little-endian; Decoder copies as is");

namespace ceph_native {
namespace cls_read {

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

// One object-class call's reply within a read op; freed with the job that holds it.
struct Reply {
  char* data = nullptr;
  size_t len = 0;
  int rc = 0;
  Reply() = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply() {
    if (data) rados_buffer_free(data);
  }
  Decoder decoder() const { return Decoder(data, len); }
};

// A read op, released with the job: librados may still be inside the send when the completion runs.
struct ReadOp {
  rados_read_op_t op = rados_create_read_op();
  ReadOp() = default;
  ReadOp(const ReadOp&) = delete;
  ReadOp& operator=(const ReadOp&) = delete;
  ~ReadOp() { rados_release_read_op(op); }
  void Exec(const char* method, const std::string& input, Reply* reply) {
    rados_read_op_exec(op, "rbd", method, input.data(), input.size(), &reply->data, &reply->len, &reply->rc);
  }
};

inline std::string EncodeU64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

// What the open decides: no id object (an old-format image, or none), no header (an image not
// whole), a method or an input this OSD does not take. Anything else (a timeout, a refusal by
// caps, a lost connection) the open would meet too: it is returned, not paid for twice.
inline int Triage(int rc) {
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

// rbd_id.<name> holds the image's id (cls_rbd get_id). `rc` is the op's result.
inline int DecodeId(int rc, const Reply& reply, std::string* id) {
  if (rc < 0) return Triage(rc);
  if (reply.rc < 0) return Triage(reply.rc);
  auto d = reply.decoder();
  return d.String(id) && !id->empty() ? 0 : kNeedsOpen;
}

}  // namespace cls_read
}  // namespace ceph_native
