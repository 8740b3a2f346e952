// RBD trash: move, list, restore, remove, purge.
#include <ctime>

#include "image.h"

namespace ceph_native {

namespace {

Napi::Value TrashMove(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto name = StringArg(info, 1, "name");
  uint64_t delay = U64Arg(info, 2, "delay");
  return Queue(info.Env(), "move image to trash", {ioctx},
               [ioctx, name, delay] { return rbd_trash_move(ioctx->raw(), name.c_str(), delay); });
}

struct TrashEntry {
  std::string id, name;
  int source;
  int64_t deleted, deferred_end;
};

const char* SourceName(int source) {
  switch (source) {
    case RBD_TRASH_IMAGE_SOURCE_USER: return "user";
    case RBD_TRASH_IMAGE_SOURCE_MIRRORING: return "mirroring";
    case RBD_TRASH_IMAGE_SOURCE_MIGRATION: return "migration";
    case RBD_TRASH_IMAGE_SOURCE_REMOVING: return "removing";
    case RBD_TRASH_IMAGE_SOURCE_USER_PARENT: return "user_parent";
    default: return "unknown";
  }
}

Napi::Object EntryObject(Napi::Env env, const TrashEntry& e) {
  auto o = Napi::Object::New(env);
  o.Set("id", e.id);
  o.Set("name", e.name);
  o.Set("source", SourceName(e.source));
  o.Set("deletionTime", Napi::Number::New(env, static_cast<double>(e.deleted)));
  o.Set("deferredEnd", Napi::Number::New(env, static_cast<double>(e.deferred_end)));
  return o;
}

// trashList(ioctx) -> [{id, name, source, deletionTime, deferredEnd}] (times in epoch seconds)
Napi::Value TrashList(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto entries = std::make_shared<std::vector<TrashEntry>>();
  return Queue(
      info.Env(), "list trash", {ioctx},
      [ioctx, entries]() -> int {
        std::vector<rbd_trash_image_info_t> infos;
        size_t count = 0;
        int rc = ListGrowing(&infos, &count, 32, [&ioctx](rbd_trash_image_info_t* items, size_t* max) {
          return rbd_trash_list(ioctx->raw(), items, max);
        });
        if (rc < 0) return rc;
        for (size_t i = 0; i < count; ++i) {
          entries->push_back({infos[i].id, infos[i].name, static_cast<int>(infos[i].source),
                              static_cast<int64_t>(infos[i].deletion_time),
                              static_cast<int64_t>(infos[i].deferment_end_time)});
        }
        rbd_trash_list_cleanup(infos.data(), count);
        return 0;
      },
      [entries](Napi::Env env) {
        auto arr = Napi::Array::New(env, entries->size());
        for (uint32_t i = 0; i < entries->size(); ++i) arr.Set(i, EntryObject(env, (*entries)[i]));
        return arr;
      });
}

// trashGet(ioctx, id) -> {id, name, source, ...}: one entry by id, whatever its source (rbd_trash_list
// leaves out source "removing", the entries a removal cut short leaves behind).
Napi::Value TrashGet(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto id = StringArg(info, 1, "id");
  auto entry = std::make_shared<TrashEntry>();
  return Queue(
      info.Env(), "get trash entry", {ioctx},
      [ioctx, id, entry]() -> int {
        rbd_trash_image_info_t t;
        int rc = rbd_trash_get(ioctx->raw(), id.c_str(), &t);
        if (rc < 0) return rc;
        *entry = {t.id, t.name, static_cast<int>(t.source), static_cast<int64_t>(t.deletion_time),
                  static_cast<int64_t>(t.deferment_end_time)};
        rbd_trash_get_cleanup(&t);
        return 0;
      },
      [entry](Napi::Env env) -> Napi::Value { return EntryObject(env, *entry); });
}

// trashRestore(ioctx, id, name) -- empty name restores under the original name
Napi::Value TrashRestore(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto id = StringArg(info, 1, "id");
  auto name = OptionalStringArg(info, 2);
  return Queue(info.Env(), "restore image from trash", {ioctx},
               [ioctx, id, name] { return rbd_trash_restore(ioctx->raw(), id.c_str(), name.c_str()); });
}

Napi::Value TrashRemove(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto id = StringArg(info, 1, "id");
  bool force = BoolArg(info, 2);
  return Queue(info.Env(), "remove image from trash", {ioctx},
               [ioctx, id, force] { return rbd_trash_remove(ioctx->raw(), id.c_str(), force); });
}

// trashPurge(ioctx, expireTs?) -- removes entries whose deferment ended before expireTs (default: now)
Napi::Value TrashPurge(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  bool has_ts = info[1].IsNumber();
  time_t expire = has_ts ? static_cast<time_t>(info[1].As<Napi::Number>().Int64Value()) : 0;
  return Queue(info.Env(), "purge trash", {ioctx}, [ioctx, has_ts, expire] {
    // -1: no pool-usage threshold, purge everything that expired.
    return rbd_trash_purge(ioctx->raw(), has_ts ? expire : time(nullptr), -1);
  });
}

}  // namespace

void InitTrash(Napi::Env env, Napi::Object exports) {
  exports.Set("trashMove", Napi::Function::New(env, TrashMove, "trashMove"));
  exports.Set("trashList", Napi::Function::New(env, TrashList, "trashList"));
  exports.Set("trashGet", Napi::Function::New(env, TrashGet, "trashGet"));
  exports.Set("trashRestore", Napi::Function::New(env, TrashRestore, "trashRestore"));
  exports.Set("trashRemove", Napi::Function::New(env, TrashRemove, "trashRemove"));
  exports.Set("trashPurge", Napi::Function::New(env, TrashPurge, "trashPurge"));
}

}  // namespace ceph_native
