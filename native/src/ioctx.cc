// Pool I/O contexts: open (optionally in a namespace), close, rbd pool init.
#include "handles.h"

namespace ceph_native {

namespace {

// openIoCtx(cluster, pool, namespace) -> ioctx handle
Napi::Value IoCtxOpen(const Napi::CallbackInfo& info) {
  auto cluster = UnwrapCluster(info[0]);
  auto pool = std::make_shared<std::string>(StringArg(info, 1, "pool"));
  auto ns = std::make_shared<std::string>(OptionalStringArg(info, 2));
  auto io_out = std::make_shared<rados_ioctx_t>(nullptr);
  auto child_lease = std::make_shared<Lease>();
  return Queue(
      info.Env(), "open ioctx", {cluster},
      [cluster, pool, ns, io_out, child_lease]() -> int {
        rados_ioctx_t io = nullptr;
        int rc = rados_ioctx_create(cluster->raw(), pool->c_str(), &io);
        if (rc < 0) return rc;
        if (!ns->empty()) rados_ioctx_set_namespace(io, ns->c_str());
        *io_out = io;
        // The new ioctx keeps the cluster open; taken while this operation's lease is held.
        cluster->AddLease();
        *child_lease = Lease(cluster);
        return 0;
      },
      [io_out, child_lease](Napi::Env env) {
        return Wrap(env, std::make_shared<IoCtxCore>(*io_out, std::move(*child_lease)));
      });
}

Napi::Value IoCtxClose(const Napi::CallbackInfo& info) {
  return QueueClose(info.Env(), "close ioctx", UnwrapIoCtx(info[0]));
}

// poolInit(ioctx, force)
Napi::Value PoolInit(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  bool force = BoolArg(info, 1);
  return Queue(info.Env(), "init rbd pool", {ioctx},
               [ioctx, force] { return rbd_pool_init(ioctx->raw(), force); });
}

}  // namespace

void InitIoCtx(Napi::Env env, Napi::Object exports) {
  exports.Set("ioctxOpen", Napi::Function::New(env, IoCtxOpen, "ioctxOpen"));
  exports.Set("ioctxClose", Napi::Function::New(env, IoCtxClose, "ioctxClose"));
  exports.Set("poolInit", Napi::Function::New(env, PoolInit, "poolInit"));
}

}  // namespace ceph_native
