// Opening and closing an image with librbd's aio open and close (aio.h).
//
// rbd_open and rbd_close are librbd's aio open and close with a wait on the calling thread. Made
// on the threadpool, each would cost two more thread wake-ups than the call itself: the JS thread
// waking a pool thread, and librbd waking the pool thread back before it wakes the JS thread.
// Started from the JS thread, librbd's completion hands the result straight back. Measured in
// turns with C's blocking rbd_open: 2-4% off an open+close (bench/results/NOTES.md).
#include <cerrno>

#include "aio.h"
#include "image.h"

namespace ceph_native {

namespace {

// One aio open or close: its promise, and the result librbd's completion hands back.
class ImageAioJob : public AioJob {
 public:
  explicit ImageAioJob(Napi::Env env) : AioJob(env), deferred_(Napi::Promise::Deferred::New(env)) {}

 protected:
  // JS thread: starts the call with a completion (`start` returns 0 or -errno) and returns the
  // promise. The job may complete on librbd's thread before this returns; it is only deleted on
  // this thread, after it returns.
  template <typename Start>
  Napi::Promise Begin(Start start) {
    auto promise = deferred_.Promise();
    rbd_completion_t c;
    int rc = rbd_aio_create_completion(this, OnComplete, &c);
    if (rc < 0) {
      Done(rc);
    } else if ((rc = start(c)) < 0) {  // not started: librbd will not call back
      rbd_aio_release(c);
      Done(rc);
    }
    return promise;
  }

  Napi::Promise::Deferred deferred_;
  int rc_ = 0;

 private:
  // librbd calls this on its own thread: it must not block or throw.
  static void OnComplete(rbd_completion_t c, void* arg) {
    auto* job = static_cast<ImageAioJob*>(arg);
    int rc = static_cast<int>(rbd_aio_get_return_value(c));
    rbd_aio_release(c);
    job->Done(rc);
  }

  void Done(int rc) {
    rc_ = rc;
    Finish();
  }
};

// One open. The op's lease on the ioctx becomes the image's lease on it when the open succeeds.
class OpenJob final : public ImageAioJob {
 public:
  OpenJob(Napi::Env env, std::shared_ptr<IoCtxCore> ioctx, std::string name, std::string snap, bool read_only,
          bool by_id)
      : ImageAioJob(env),
        ioctx_(ioctx),
        lease_(ioctx),
        name_(std::move(name)),
        snap_(std::move(snap)),
        read_only_(read_only),
        by_id_(by_id) {}

  Napi::Promise Start() {
    return Begin([this](rbd_completion_t c) {
      const char* snap = snap_.empty() ? nullptr : snap_.c_str();
      rados_ioctx_t io = ioctx_->raw();
      if (by_id_) {
        return read_only_ ? rbd_aio_open_by_id_read_only(io, name_.c_str(), &image_, snap, c)
                          : rbd_aio_open_by_id(io, name_.c_str(), &image_, snap, c);
      }
      return read_only_ ? rbd_aio_open_read_only(io, name_.c_str(), &image_, snap, c)
                        : rbd_aio_open(io, name_.c_str(), &image_, snap, c);
    });
  }

 private:
  void Settle(Napi::Env env) override {
    if (rc_ < 0) {
      DropLeaseOnJsThread(env, kOp, *ioctx_, std::move(lease_));
      deferred_.Reject(MakeCephError(env, -rc_, kOp, ""));
      return;
    }
    try {
      deferred_.Resolve(Wrap(env, std::make_shared<ImageCore>(image_, ioctx_, std::move(lease_))));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  static constexpr const char* kOp = "open image";
  std::shared_ptr<IoCtxCore> ioctx_;
  Lease lease_;
  const std::string name_, snap_;
  const bool read_only_, by_id_;
  rbd_image_t image_ = nullptr;  // librbd writes it before it calls back
};

// One close of an image no operation holds. Its lease on the ioctx is dropped once librbd is done.
class CloseJob final : public ImageAioJob {
 public:
  CloseJob(Napi::Env env, std::shared_ptr<ImageCore> image) : ImageAioJob(env), image_(std::move(image)) {}

  // librbd (16.2) starts every aio close; were one refused, the image would stay open unowned.
  Napi::Promise Start() {
    return Begin([this](rbd_completion_t c) { return image_->StartAioClose(c); });
  }

 private:
  void Settle(Napi::Env env) override {
    DropLeaseOnJsThread(env, kOp, *image_->ioctx(), image_->TakeIoCtxLease());
    if (rc_ < 0) {
      deferred_.Reject(MakeCephError(env, -rc_, kOp, ""));
    } else {
      deferred_.Resolve(env.Undefined());
    }
  }

  static constexpr const char* kOp = "close image";
  std::shared_ptr<ImageCore> image_;
};

// openImage(ioctx, name or id, snapshot|null, readOnly, byId) -> image handle
// By id reaches images that have no name any more, such as those in the trash.
Napi::Value ImageOpen(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto name = StringArg(info, 1, "name");
  auto snap = OptionalStringArg(info, 2);
  bool read_only = BoolArg(info, 3);
  bool by_id = BoolArg(info, 4);
  if (!ioctx->TryAcquire()) return RejectedPromise(info.Env(), MakeClosedError(info.Env(), "open image"));
  // The lease taken above is the job's: Lease(ioctx) in the job adds none.
  auto* job = new OpenJob(info.Env(), std::move(ioctx), std::move(name), std::move(snap), read_only, by_id);
  return job->Start();
}

// closeImage(image): stops new operations now. With none in flight the image is closed by the
// aio close; otherwise the last one's lease closes it when it returns (worker.h), and the promise
// resolves now, as a close deferred that way always has. A second close resolves at once.
Napi::Value ImageClose(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto env = info.Env();
  if (!image->BeginClose() || !image->TakeReleaseIfIdle()) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  return (new CloseJob(env, std::move(image)))->Start();
}

}  // namespace

void InitImageOpen(Napi::Env env, Napi::Object exports) {
  exports.Set("imageOpen", Napi::Function::New(env, ImageOpen, "imageOpen"));
  exports.Set("imageClose", Napi::Function::New(env, ImageClose, "imageClose"));
}

}  // namespace ceph_native
