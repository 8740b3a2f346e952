// Helpers shared by image.cc, clone.cc and snapshot.cc.
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "handles.h"

namespace ceph_native {

// Frees rbd image options on every path.
struct ImageOptions {
  rbd_image_options_t opts;
  ImageOptions() { rbd_image_options_create(&opts); }
  ~ImageOptions() { rbd_image_options_destroy(opts); }
  ImageOptions(const ImageOptions&) = delete;
  ImageOptions& operator=(const ImageOptions&) = delete;
};

// Options for create and clone: read on the JS thread, applied on the threadpool.
// Unset options fall back to the cluster's rbd_default_* settings.
struct ImageSpecOptions {
  std::optional<uint64_t> features, order, stripe_unit, stripe_count;
  std::optional<std::string> data_pool;

  static ImageSpecOptions FromJs(Napi::Value value) {
    ImageSpecOptions o;
    if (!value.IsObject()) return o;
    auto obj = value.As<Napi::Object>();
    auto u64 = [&obj](const char* key, std::optional<uint64_t>& out) {
      auto v = obj.Get(key);
      if (!v.IsUndefined() && !v.IsNull()) out = U64Value(v, key);
    };
    u64("features", o.features);
    u64("order", o.order);
    u64("stripeUnit", o.stripe_unit);
    u64("stripeCount", o.stripe_count);
    auto data_pool = obj.Get("dataPool");
    if (data_pool.IsString()) o.data_pool = data_pool.As<Napi::String>().Utf8Value();
    return o;
  }

  // Returns 0 or -errno; `opts` stays owned by the caller.
  int Apply(rbd_image_options_t opts) const {
    int rc = 0;
    if (features && rc >= 0) rc = rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_FEATURES, *features);
    if (order && rc >= 0) rc = rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_ORDER, *order);
    if (stripe_unit && rc >= 0) rc = rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_STRIPE_UNIT, *stripe_unit);
    if (stripe_count && rc >= 0)
      rc = rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_STRIPE_COUNT, *stripe_count);
    if (data_pool && rc >= 0)
      rc = rbd_image_options_set_string(opts, RBD_IMAGE_OPTION_DATA_POOL, data_pool->c_str());
    return rc;
  }
};

// Reads a NUL-terminated string through a librbd getter that returns -ERANGE for short buffers.
template <typename Getter>
int ReadGrowing(std::string* out, size_t initial, Getter getter) {
  std::vector<char> buf(initial);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int rc = getter(buf.data(), buf.size());
    if (rc == -ERANGE) {
      buf.resize(buf.size() * 4);
      continue;
    }
    if (rc < 0) return rc;
    out->assign(buf.data(), strnlen(buf.data(), buf.size()));
    return 0;
  }
  return -ERANGE;
}

// Fills a librbd array through a call that takes (array, size_t* max) and answers -ERANGE with
// the needed count. Returns 0 or -errno; on success `items` holds `*count` valid entries that
// the caller must hand to the matching librbd cleanup.
template <typename T, typename Lister>
int ListGrowing(std::vector<T>* items, size_t* count, size_t initial, Lister lister) {
  size_t max = initial;
  for (int attempt = 0; attempt < 16; ++attempt) {
    items->assign(max > 0 ? max : 1, T{});
    size_t n = max;
    int rc = lister(items->data(), &n);
    if (rc == -ERANGE) {
      max = n > max ? n : max * 2;
      continue;
    }
    if (rc < 0) return rc;
    *count = n;
    return 0;
  }
  return -ERANGE;
}

// An image's stat as the addon returns it (StatValue), whether librbd's open or the header filled it.
struct StatResult {
  rbd_image_info_t info{};
  std::string id, block_name_prefix;
  uint64_t features = 0, flags = 0;
  bool has_parent = false;
  std::string data_pool;
  std::string parent_pool, parent_namespace, parent_image, parent_id, parent_snap;
};

Napi::Value StatValue(Napi::Env env, const StatResult& out);

// header.cc: an image's stat from its id object and header (two librados aio ops, no image open,
// no threadpool), as a promise of StatValue. Where only librbd's open answers exactly (a clone, a
// striped or migrating image, a feature or reply this addon does not know, no id object or header)
// the promise is of StatByOpen's answer if `open_fallback`, else of null. Rejects with what the
// open would meet as well (a timeout, a refusal), named `op`.
constexpr int kNeedsOpen = 1;
Napi::Value StatImageFromHeader(Napi::Env env, const std::string& op, std::shared_ptr<IoCtxCore> ioctx, std::string name,
                                bool open_fallback);

// image.cc: open read-only, stat, close. Runs on the threadpool.
int StatByOpen(rados_ioctx_t io, const std::string& name, StatResult* out);

// Converts librbd's linked image specs (children, descendants) to JS.
struct LinkedImage {
  std::string pool, ns, image, id;
  bool trash = false;
};

inline std::vector<LinkedImage> TakeLinkedImages(rbd_linked_image_spec_t* specs, size_t count) {
  std::vector<LinkedImage> out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back({specs[i].pool_name ? specs[i].pool_name : "", specs[i].pool_namespace ? specs[i].pool_namespace : "",
                   specs[i].image_name ? specs[i].image_name : "", specs[i].image_id ? specs[i].image_id : "",
                   specs[i].trash});
  }
  rbd_linked_image_spec_list_cleanup(specs, count);
  return out;
}

inline Napi::Value LinkedImagesToJs(Napi::Env env, const std::vector<LinkedImage>& images) {
  auto arr = Napi::Array::New(env, images.size());
  for (uint32_t i = 0; i < images.size(); ++i) {
    auto o = Napi::Object::New(env);
    o.Set("pool", images[i].pool);
    o.Set("namespace", images[i].ns);
    o.Set("image", images[i].image);
    o.Set("id", images[i].id);
    o.Set("trash", images[i].trash);
    arr.Set(i, o);
  }
  return arr;
}

}  // namespace ceph_native
