// Watchers on an image header: one per client that has the image open read-write.
#include "image.h"

namespace ceph_native {

namespace {

struct Watcher {
  std::string addr;
  int64_t id;
  uint64_t cookie;
};

// listWatchers(image) -> [{addr, id, cookie}]
Napi::Value ListWatchers(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto watchers = std::make_shared<std::vector<Watcher>>();
  return Queue(
      info.Env(), "list watchers", {image},
      [image, watchers]() -> int {
        std::vector<rbd_image_watcher_t> items;
        size_t count = 0;
        int rc = ListGrowing(&items, &count, 8, [&image](rbd_image_watcher_t* w, size_t* max) {
          return rbd_watchers_list(image->raw(), w, max);
        });
        if (rc < 0) return rc;
        for (size_t i = 0; i < count; ++i) watchers->push_back({items[i].addr, items[i].id, items[i].cookie});
        rbd_watchers_list_cleanup(items.data(), count);
        return 0;
      },
      [watchers](Napi::Env env) {
        auto arr = Napi::Array::New(env, watchers->size());
        for (uint32_t i = 0; i < watchers->size(); ++i) {
          auto o = Napi::Object::New(env);
          o.Set("addr", (*watchers)[i].addr);
          o.Set("id", Napi::Number::New(env, static_cast<double>((*watchers)[i].id)));
          o.Set("cookie", NumberU64(env, (*watchers)[i].cookie));
          arr.Set(i, o);
        }
        return arr;
      });
}

}  // namespace

void InitWatchers(Napi::Env env, Napi::Object exports) {
  exports.Set("listWatchers", Napi::Function::New(env, ListWatchers, "listWatchers"));
}

}  // namespace ceph_native
