// An image's stat read from its header with the object-class methods librbd's own open sends
// (cls_rbd get_id, get_size, get_features, get_object_prefix, get_flags, parent_get, get_data_pool),
// in two read ops and without opening the image. The two are librados aio ops (aio.h): the second
// is sent from the first's completion and the result reaches the JS thread without the threadpool. An open builds and tears down a whole image
// context: about ten OSD ops and, measured on the test cluster, ten times the CPU of these two
// (bench/results/NOTES.md). A refresh reads every image, so that is most of what a read costs.
// Only plain images are answered here; everything else is left to librbd (kNeedsOpen).
#include <cerrno>
#include <memory>

#include "aio.h"
#include "cls_read.h"
#include "image.h"

namespace ceph_native {

namespace {

using namespace cls_read;

// The header's six methods, in one read op.
struct HeaderReplies {
  Reply size, features, prefix, flags, parent, data_pool;
  const std::string head = EncodeU64(kHead);

  void AddTo(ReadOp* op) {
    op->Exec("get_size", head, &size);
    op->Exec("get_features", head, &features);
    op->Exec("get_object_prefix", "", &prefix);
    op->Exec("get_flags", head, &flags);
    op->Exec("parent_get", "", &parent);
    op->Exec("get_data_pool", "", &data_pool);
  }

  // Fills `out` from the replies (`rc` is the op's result): 0, kNeedsOpen or -errno.
  int Decode(int rc, rados_ioctx_t io, const std::string& id, StatResult* out) const {
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
    // librbd reports the image's own pool where no data pool is set. The name comes from the
    // osdmap this client holds: no network, so it is fine in a completion callback.
    const int64_t pool_id = data_pool_id >= 0 ? data_pool_id : rados_ioctx_get_id(io);
    int lookup = ReadGrowing(&out->data_pool, 64, [io, pool_id](char* buf, size_t len) {
      return rados_pool_reverse_lookup(rados_ioctx_get_cluster(io), pool_id, buf, len);
    });
    return lookup < 0 ? kNeedsOpen : 0;
  }
};

// One stat: the id read sent from the JS thread, the header read from its completion, the result
// settled on the JS thread. The ioctx lease is held throughout, so the ioctx outlives the ops.
class HeaderStatJob final : public AioJob {
 public:
  HeaderStatJob(Napi::Env env, std::string op, std::shared_ptr<IoCtxCore> ioctx, std::string name, bool open_fallback)
      : AioJob(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        op_(std::move(op)),
        ioctx_(ioctx),
        lease_(ioctx),
        name_(std::move(name)),
        open_fallback_(open_fallback) {}

  // JS thread. The job may finish on another thread before this returns; it is only deleted on
  // this thread, after it returns.
  Napi::Promise Start() {
    auto promise = deferred_.Promise();
    id_op_.Exec("get_id", "", &id_reply_);
    Send(&id_op_, "rbd_id." + name_, OnId);
    return promise;
  }

 private:
  // Sends `op`; the completion runs `then` on a librados thread. Finishes the job if it cannot.
  void Send(ReadOp* op, const std::string& oid, rados_callback_t then) {
    rados_completion_t c;
    int rc = rados_aio_create_completion2(this, then, &c);
    if (rc < 0) return Done(rc);
    rc = rados_aio_read_op_operate(op->op, ioctx_->raw(), c, oid.c_str(), 0);
    if (rc < 0) {
      rados_aio_release(c);
      Done(rc);
    }
  }

  // librados calls these on its own thread: nothing may throw into it.
  static void OnId(rados_completion_t c, void* arg) {
    auto* job = static_cast<HeaderStatJob*>(arg);
    int rc = rados_aio_get_return_value(c);
    rados_aio_release(c);
    try {
      rc = DecodeId(rc, job->id_reply_, &job->id_);
      if (rc != 0) return job->Done(rc);
      job->header_.AddTo(&job->header_op_);
      job->Send(&job->header_op_, "rbd_header." + job->id_, OnHeader);
    } catch (const std::bad_alloc&) {
      job->Done(-ENOMEM);
    }
  }

  static void OnHeader(rados_completion_t c, void* arg) {
    auto* job = static_cast<HeaderStatJob*>(arg);
    int rc = rados_aio_get_return_value(c);
    rados_aio_release(c);
    try {
      job->Done(job->header_.Decode(rc, job->ioctx_->raw(), job->id_, &job->out_));
    } catch (const std::bad_alloc&) {
      job->Done(-ENOMEM);
    }
  }

  void Done(int rc) {
    rc_ = rc;
    Finish();
  }

  void Settle(Napi::Env env) override {
    if (rc_ == kNeedsOpen && open_fallback_) {
      // librbd answers: an open on the threadpool, which takes over the lease and the promise.
      auto out = std::make_shared<StatResult>();
      std::vector<Lease> leases;
      leases.push_back(std::move(lease_));
      auto* worker = new CephWorker(
          env, op_, std::move(leases), [ioctx = ioctx_, name = name_, out] { return StatByOpen(ioctx->raw(), name, out.get()); },
          [out](Napi::Env env) { return StatValue(env, *out); }, nullptr);
      deferred_.Resolve(worker->Promise());
      worker->Queue();
      return;
    }
    DropLeaseOnJsThread(env, op_, *ioctx_, std::move(lease_));
    if (rc_ < 0) {
      deferred_.Reject(MakeCephError(env, -rc_, op_, ""));
    } else if (rc_ == kNeedsOpen) {
      deferred_.Resolve(env.Null());
    } else {
      deferred_.Resolve(StatValue(env, out_));
    }
  }

  Napi::Promise::Deferred deferred_;
  const std::string op_;
  std::shared_ptr<IoCtxCore> ioctx_;
  Lease lease_;
  const std::string name_;
  const bool open_fallback_;
  std::string id_;
  ReadOp id_op_, header_op_;
  Reply id_reply_;
  HeaderReplies header_;
  StatResult out_;
  int rc_ = 0;
};

}  // namespace

Napi::Value StatImageFromHeader(Napi::Env env, const std::string& op, std::shared_ptr<IoCtxCore> ioctx, std::string name,
                                bool open_fallback) {
  if (!ioctx->TryAcquire()) return RejectedPromise(env, MakeClosedError(env, op));
  // The lease taken above is the job's: Lease(ioctx) below adds none.
  auto* job = new HeaderStatJob(env, op, std::move(ioctx), std::move(name), open_fallback);
  return job->Start();
}

namespace {

// statImageFromHeader(ioctx, name) -> the stat as imageStat gives it, or null where only an open
// answers exactly (errors the open would meet too reject, as statImageByName's do). statImageByName
// makes the same read first; this entry point lets tests and benchmarks see which way a stat went.
Napi::Value ImageStatFromHeader(const Napi::CallbackInfo& info) {
  return StatImageFromHeader(info.Env(), "stat image from header", UnwrapIoCtx(info[0]), StringArg(info, 1, "name"), false);
}

}  // namespace

void InitHeader(Napi::Env env, Napi::Object exports) {
  exports.Set("imageStatFromHeader", Napi::Function::New(env, ImageStatFromHeader, "imageStatFromHeader"));
}

}  // namespace ceph_native
