// RADOS object listing across every namespace of a pool: what a pool really holds, read from the
// OSDs (the mgr's df counts lag, and RBD listings see one namespace at a time); and the removal of
// one object, for the id object a rename cut short leaves behind.
#include "handles.h"

namespace ceph_native {

namespace {

struct ObjectName {
  std::string nspace, name;
};

// listObjects(ioctx, limit) -> [[namespace, name], ...], at most `limit` entries, all namespaces.
Napi::Value ListObjects(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  uint64_t limit = U64Arg(info, 1, "limit");
  auto found = std::make_shared<std::vector<ObjectName>>();
  return Queue(
      info.Env(), "list objects", {ioctx},
      [ioctx, limit, found]() -> int {
        // A private ioctx on the same pool: setting the all-namespaces view on the shared one
        // would change the namespace of every call running through it.
        rados_ioctx_t io = nullptr;
        int rc = rados_ioctx_create2(rados_ioctx_get_cluster(ioctx->raw()), rados_ioctx_get_id(ioctx->raw()), &io);
        if (rc < 0) return rc;
        rados_ioctx_set_namespace(io, LIBRADOS_ALL_NSPACES);
        rados_list_ctx_t list = nullptr;
        rc = rados_nobjects_list_open(io, &list);
        if (rc < 0) {
          rados_ioctx_destroy(io);
          return rc;
        }
        while (found->size() < limit) {
          const char* entry = nullptr;
          const char* key = nullptr;
          const char* nspace = nullptr;
          rc = rados_nobjects_list_next(list, &entry, &key, &nspace);
          if (rc == -ENOENT) {
            rc = 0;
            break;
          }
          if (rc < 0) break;
          found->push_back({nspace ? nspace : "", entry ? entry : ""});
        }
        rados_nobjects_list_close(list);
        rados_ioctx_destroy(io);
        return rc;
      },
      [found](Napi::Env env) {
        auto arr = Napi::Array::New(env, found->size());
        for (uint32_t i = 0; i < found->size(); ++i) {
          auto pair = Napi::Array::New(env, 2);
          pair.Set(0u, (*found)[i].nspace);
          pair.Set(1u, (*found)[i].name);
          arr.Set(i, pair);
        }
        return arr;
      });
}

// removeObject(ioctx, oid): removes one RADOS object in the ioctx's namespace (ENOENT if absent).
Napi::Value RemoveObject(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto oid = StringArg(info, 1, "oid");
  return Queue(info.Env(), "remove object", {ioctx}, [ioctx, oid] { return rados_remove(ioctx->raw(), oid.c_str()); });
}

}  // namespace

void InitObjects(Napi::Env env, Napi::Object exports) {
  exports.Set("listObjects", Napi::Function::New(env, ListObjects, "listObjects"));
  exports.Set("removeObject", Napi::Function::New(env, RemoveObject, "removeObject"));
}

}  // namespace ceph_native
