// Image snapshots: list, create, remove, protect, unprotect, is-protected, rollback.
#include "image.h"

namespace ceph_native {

namespace {

struct SnapEntry {
  uint64_t id, size;
  std::string name;
  bool is_protected;
};

// snapList(image) -> [{id, name, size, protected}]
Napi::Value SnapList(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto snaps = std::make_shared<std::vector<SnapEntry>>();
  return Queue(
      info.Env(), "list snapshots", {image},
      [image, snaps]() -> int {
        rbd_image_t img = image->raw();
        std::vector<rbd_snap_info_t> infos;
        int max = 16, rc;
        for (;;) {
          infos.assign(static_cast<size_t>(max) + 1, rbd_snap_info_t{});
          int n = max;
          rc = rbd_snap_list(img, infos.data(), &n);
          if (rc == -ERANGE) {
            max = n > max ? n : max * 2;
            continue;
          }
          break;
        }
        if (rc < 0) return rc;
        int count = rc;
        int result = 0;
        for (int i = 0; i < count; ++i) {
          int is_protected = 0;
          int prc = rbd_snap_is_protected(img, infos[i].name, &is_protected);
          // A snapshot removed between list and query is just skipped.
          if (prc == -ENOENT) continue;
          if (prc < 0) {
            result = prc;
            break;
          }
          snaps->push_back({infos[i].id, infos[i].size, infos[i].name, is_protected != 0});
        }
        rbd_snap_list_end(infos.data());
        return result;
      },
      [snaps](Napi::Env env) {
        auto arr = Napi::Array::New(env, snaps->size());
        for (uint32_t i = 0; i < snaps->size(); ++i) {
          auto o = Napi::Object::New(env);
          o.Set("id", NumberU64(env, (*snaps)[i].id));
          o.Set("name", (*snaps)[i].name);
          o.Set("size", NumberU64(env, (*snaps)[i].size));
          o.Set("protected", (*snaps)[i].is_protected);
          arr.Set(i, o);
        }
        return arr;
      });
}

// One function per (image, snapshot name) -> int call.
template <int (*Fn)(rbd_image_t, const char*)>
Napi::Value SnapCall(const Napi::CallbackInfo& info, const char* op) {
  auto image = UnwrapImage(info[0]);
  auto name = StringArg(info, 1, "snapshot");
  return Queue(info.Env(), op, {image}, [image, name] { return Fn(image->raw(), name.c_str()); });
}

Napi::Value SnapIsProtected(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto name = StringArg(info, 1, "snapshot");
  auto is_protected = std::make_shared<int>(0);
  return Queue(
      info.Env(), "query snapshot protection", {image},
      [image, name, is_protected] { return rbd_snap_is_protected(image->raw(), name.c_str(), is_protected.get()); },
      [is_protected](Napi::Env env) { return Napi::Boolean::New(env, *is_protected != 0); });
}

}  // namespace

void InitSnapshot(Napi::Env env, Napi::Object exports) {
  exports.Set("snapList", Napi::Function::New(env, SnapList, "snapList"));
  exports.Set("snapCreate", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return SnapCall<rbd_snap_create>(info, "create snapshot");
  }));
  exports.Set("snapRemove", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return SnapCall<rbd_snap_remove>(info, "remove snapshot");
  }));
  exports.Set("snapProtect", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return SnapCall<rbd_snap_protect>(info, "protect snapshot");
  }));
  exports.Set("snapUnprotect", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return SnapCall<rbd_snap_unprotect>(info, "unprotect snapshot");
  }));
  exports.Set("snapRollback", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return SnapCall<rbd_snap_rollback>(info, "roll back to snapshot");
  }));
  exports.Set("snapIsProtected", Napi::Function::New(env, SnapIsProtected, "snapIsProtected"));
}

}  // namespace ceph_native
