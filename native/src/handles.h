// The three native handle kinds and their JS representation (type-tagged Externals).
// Ownership chain: an image holds a lease on its ioctx, an ioctx on its cluster, so a parent
// is released only after every child is, whatever order JS closes them in.
#pragma once

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "worker.h"

namespace ceph_native {

class ClusterCore final : public Resource {
 public:
  explicit ClusterCore(rados_t rados) : rados_(rados) {}
  ~ClusterCore() override {
    // Only reached if JS never closed it and no lease remains: shut down in the background.
    if (TakeUnreleased()) RunInBackground([r = rados_] { rados_shutdown(r); });
  }
  // Valid only while a lease is held.
  rados_t raw() const { return rados_; }

 protected:
  int ReleaseHandle() override {
    rados_shutdown(rados_);
    return 0;
  }

 private:
  rados_t rados_;
};

class IoCtxCore final : public Resource {
 public:
  IoCtxCore(rados_ioctx_t io, Lease cluster_lease)
      : io_(io), cluster_lease_(std::move(cluster_lease)) {}
  ~IoCtxCore() override {
    if (TakeUnreleased()) {
      auto lease = std::make_shared<Lease>(std::move(cluster_lease_));
      RunInBackground([io = io_, lease] {
        rados_ioctx_destroy(io);
        lease->Reset();
      });
    }
  }
  rados_ioctx_t raw() const { return io_; }

 protected:
  int ReleaseHandle() override {
    rados_ioctx_destroy(io_);
    cluster_lease_.Reset();
    return 0;
  }

 private:
  rados_ioctx_t io_;
  Lease cluster_lease_;
};

class ImageCore final : public Resource {
 public:
  ImageCore(rbd_image_t image, std::shared_ptr<IoCtxCore> ioctx, Lease ioctx_lease)
      : image_(image), ioctx_(std::move(ioctx)), ioctx_lease_(std::move(ioctx_lease)) {}
  ~ImageCore() override {
    if (TakeUnreleased()) {
      auto lease = std::make_shared<Lease>(std::move(ioctx_lease_));
      RunInBackground([image = image_, lease] {
        rbd_close(image);
        lease->Reset();
      });
    }
  }
  rbd_image_t raw() const { return image_; }
  // The ioctx the image was opened in; usable while a lease on this image is held.
  const std::shared_ptr<IoCtxCore>& ioctx() const { return ioctx_; }

  // For a close that TakeReleaseIfIdle() allowed (open.cc): starts librbd's aio close, then the
  // caller drops the ioctx lease once it completes.
  int StartAioClose(rbd_completion_t c) { return rbd_aio_close(image_, c); }
  Lease TakeIoCtxLease() { return std::move(ioctx_lease_); }

 protected:
  int ReleaseHandle() override {
    int rc = rbd_close(image_);
    ioctx_lease_.Reset();
    return rc;
  }

 private:
  rbd_image_t image_;
  std::shared_ptr<IoCtxCore> ioctx_;
  Lease ioctx_lease_;
};

// True once the JS environment is being torn down (process exit).
bool EnvironmentExiting();

// What a JS External points to. When the External is garbage collected without an explicit
// close, the handle is closed in the background (never on the JS thread). At process exit the
// handle is deliberately leaked instead: a background shutdown racing librados' static
// destructors could crash an otherwise clean exit.
template <typename Core>
struct Holder {
  std::shared_ptr<Core> core;
  ~Holder() {
    if (!core) return;
    if (EnvironmentExiting()) {
      new std::shared_ptr<Core>(std::move(core));  // intentional leak, see above
      return;
    }
    if (core->BeginClose()) {
      RunInBackground([c = std::move(core)] { c->FinishClose(); });
    }
  }
};

template <typename Core>
const napi_type_tag& TagFor();

template <typename Core>
Napi::Value Wrap(Napi::Env env, std::shared_ptr<Core> core) {
  auto external = Napi::External<Holder<Core>>::New(
      env, new Holder<Core>{std::move(core)},
      [](Napi::Env, Holder<Core>* holder) { delete holder; });
  external.TypeTag(&TagFor<Core>());
  return external;
}

// Throws a TypeError (synchronously) if `value` is not a handle of this kind.
template <typename Core>
std::shared_ptr<Core> Unwrap(Napi::Value value, const char* what) {
  if (!value.IsExternal() || !value.As<Napi::External<Holder<Core>>>().CheckTypeTag(&TagFor<Core>())) {
    throw Napi::TypeError::New(value.Env(), std::string("expected ") + what + " handle");
  }
  return value.As<Napi::External<Holder<Core>>>().Data()->core;
}

inline std::shared_ptr<ClusterCore> UnwrapCluster(Napi::Value v) { return Unwrap<ClusterCore>(v, "a cluster"); }
inline std::shared_ptr<IoCtxCore> UnwrapIoCtx(Napi::Value v) { return Unwrap<IoCtxCore>(v, "an ioctx"); }
inline std::shared_ptr<ImageCore> UnwrapImage(Napi::Value v) { return Unwrap<ImageCore>(v, "an image"); }

// Registration functions, one per capability file.
void InitConnection(Napi::Env env, Napi::Object exports);
void InitIoCtx(Napi::Env env, Napi::Object exports);
void InitImage(Napi::Env env, Napi::Object exports);
void InitImageOpen(Napi::Env env, Napi::Object exports);
void InitSnapshot(Napi::Env env, Napi::Object exports);
void InitTrash(Napi::Env env, Napi::Object exports);
void InitClone(Napi::Env env, Napi::Object exports);
void InitWatchers(Napi::Env env, Napi::Object exports);
void InitMetadata(Napi::Env env, Napi::Object exports);
void InitObjects(Napi::Env env, Napi::Object exports);
void InitCls(Napi::Env env, Napi::Object exports);
void InitMirror(Napi::Env env, Napi::Object exports);
void InitImageIo(Napi::Env env, Napi::Object exports);
void InitHeader(Napi::Env env, Napi::Object exports);
void InitRemoval(Napi::Env env, Napi::Object exports);
void InitAio(Napi::Env env);

// Closes a handle: stops new operations now, releases once in-flight ones finish.
// A second close resolves immediately.
Napi::Value QueueClose(Napi::Env env, const std::string& op, std::shared_ptr<Resource> resource);

}  // namespace ceph_native
