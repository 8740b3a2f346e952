// RADOS object listing across every namespace of a pool: what a pool really holds, read from the
// OSDs (the mgr's df counts lag, and RBD listings see one namespace at a time); and the removal of
// one object, for the id object a rename cut short leaves behind; an object's stat and omap, read
// where librbd's API hides what a cut-short operation left (trash entries being removed); and one
// omap entry set or removed (the provider's own create intents).
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

// statObject(ioctx, oid) -> {size, mtime} (ENOENT if absent): one round trip to ask whether an object is there.
Napi::Value StatObject(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto oid = StringArg(info, 1, "oid");
  auto out = std::make_shared<std::pair<uint64_t, time_t>>(0, 0);
  return Queue(
      info.Env(), "stat object", {ioctx},
      [ioctx, oid, out] { return rados_stat(ioctx->raw(), oid.c_str(), &out->first, &out->second); },
      [out](Napi::Env env) {
        auto o = Napi::Object::New(env);
        o.Set("size", NumberU64(env, out->first));
        o.Set("mtime", Napi::Number::New(env, static_cast<double>(out->second)));
        return o;
      });
}

struct OmapPage {
  std::vector<std::pair<std::string, std::string>> entries;
  unsigned char more = 0;
};

// omapGetValues(ioctx, oid, startAfter, max) -> {entries: [[key, Buffer]], more}: one page of an
// object's omap, in key order (ENOENT if the object is absent).
Napi::Value OmapGetValues(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto oid = StringArg(info, 1, "oid");
  auto start = OptionalStringArg(info, 2);
  uint64_t max = U64Arg(info, 3, "max");
  auto page = std::make_shared<OmapPage>();
  return Queue(
      info.Env(), "read omap", {ioctx},
      [ioctx, oid, start, max, page]() -> int {
        rados_read_op_t op = rados_create_read_op();
        rados_omap_iter_t iter = nullptr;
        int prval = 0;
        rados_read_op_omap_get_vals2(op, start.c_str(), "", max, &iter, &page->more, &prval);
        int rc = rados_read_op_operate(op, ioctx->raw(), oid.c_str(), 0);
        if (rc == 0 && prval < 0) rc = prval;
        if (rc == 0) {
          for (;;) {
            char* key = nullptr;
            char* val = nullptr;
            size_t key_len = 0, val_len = 0;
            rc = rados_omap_get_next2(iter, &key, &val, &key_len, &val_len);
            if (rc < 0 || key == nullptr) break;
            page->entries.emplace_back(std::string(key, key_len), std::string(val ? val : "", val_len));
          }
        }
        if (iter) rados_omap_get_end(iter);
        rados_release_read_op(op);
        return rc;
      },
      [page](Napi::Env env) {
        auto arr = Napi::Array::New(env, page->entries.size());
        for (uint32_t i = 0; i < page->entries.size(); ++i) {
          auto pair = Napi::Array::New(env, 2);
          pair.Set(0u, page->entries[i].first);
          pair.Set(1u, Napi::Buffer<char>::Copy(env, page->entries[i].second.data(), page->entries[i].second.size()));
          arr.Set(i, pair);
        }
        auto o = Napi::Object::New(env);
        o.Set("entries", arr);
        o.Set("more", Napi::Boolean::New(env, page->more != 0));
        return o;
      });
}

// omapSet(ioctx, oid, key, value: Buffer): sets one omap entry in one write, creating the object if absent.
Napi::Value OmapSet(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto oid = StringArg(info, 1, "oid");
  auto key = StringArg(info, 2, "key");
  auto value = BytesArg(info, 3, "value");
  return Queue(info.Env(), "write omap", {ioctx}, [ioctx, oid, key, value] {
    const char* keys[] = {key.data()};
    const char* vals[] = {value.data()};
    const size_t key_lens[] = {key.size()};
    const size_t val_lens[] = {value.size()};
    rados_write_op_t op = rados_create_write_op();
    rados_write_op_omap_set2(op, keys, vals, key_lens, val_lens, 1);
    int rc = rados_write_op_operate2(op, ioctx->raw(), oid.c_str(), nullptr, 0);
    rados_release_write_op(op);
    return rc;
  });
}

// omapRemoveKey(ioctx, oid, key): removes one omap entry (none there: nothing to do; ENOENT only
// if the object itself is absent).
Napi::Value OmapRemoveKey(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto oid = StringArg(info, 1, "oid");
  auto key = StringArg(info, 2, "key");
  return Queue(info.Env(), "remove omap key", {ioctx}, [ioctx, oid, key] {
    const char* keys[] = {key.data()};
    const size_t key_lens[] = {key.size()};
    rados_write_op_t op = rados_create_write_op();
    // Fails ENOENT on a missing object instead of creating an empty one.
    rados_write_op_assert_exists(op);
    rados_write_op_omap_rm_keys2(op, keys, key_lens, 1);
    int rc = rados_write_op_operate2(op, ioctx->raw(), oid.c_str(), nullptr, 0);
    rados_release_write_op(op);
    return rc;
  });
}

}  // namespace

void InitObjects(Napi::Env env, Napi::Object exports) {
  exports.Set("listObjects", Napi::Function::New(env, ListObjects, "listObjects"));
  exports.Set("removeObject", Napi::Function::New(env, RemoveObject, "removeObject"));
  exports.Set("statObject", Napi::Function::New(env, StatObject, "statObject"));
  exports.Set("omapGetValues", Napi::Function::New(env, OmapGetValues, "omapGetValues"));
  exports.Set("omapSet", Napi::Function::New(env, OmapSet, "omapSet"));
  exports.Set("omapRemoveKey", Napi::Function::New(env, OmapRemoveKey, "omapRemoveKey"));
}

}  // namespace ceph_native
