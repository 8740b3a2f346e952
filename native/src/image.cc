// RBD images: create, list, remove, rename, stat, resize, flatten, disk usage (open and close: open.cc).
#include <cerrno>

#include "image.h"

namespace ceph_native {

namespace {

// createImage(ioctx, name, size, {features?, order?, stripeUnit?, stripeCount?, dataPool?})
Napi::Value ImageCreate(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto name = StringArg(info, 1, "name");
  uint64_t size = U64Arg(info, 2, "size");
  auto spec = ImageSpecOptions::FromJs(info[3]);
  return Queue(info.Env(), "create image", {ioctx}, [ioctx, name, size, spec] {
    ImageOptions opts;
    int rc = spec.Apply(opts.opts);
    return rc < 0 ? rc : rbd_create4(ioctx->raw(), name.c_str(), size, opts.opts);
  });
}

// listImages(ioctx) -> [{name, id}]
Napi::Value ImageList(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  using Entry = std::pair<std::string, std::string>;
  auto images = std::make_shared<std::vector<Entry>>();
  return Queue(
      info.Env(), "list images", {ioctx},
      [ioctx, images]() -> int {
        std::vector<rbd_image_spec_t> specs;
        size_t count = 0;
        int rc = ListGrowing(&specs, &count, 64, [&ioctx](rbd_image_spec_t* items, size_t* max) {
          return rbd_list2(ioctx->raw(), items, max);
        });
        if (rc < 0) return rc;
        for (size_t i = 0; i < count; ++i) images->emplace_back(specs[i].name, specs[i].id);
        rbd_image_spec_list_cleanup(specs.data(), count);
        return 0;
      },
      [images](Napi::Env env) {
        auto out = Napi::Array::New(env, images->size());
        for (uint32_t i = 0; i < images->size(); ++i) {
          auto entry = Napi::Object::New(env);
          entry.Set("name", (*images)[i].first);
          entry.Set("id", (*images)[i].second);
          out.Set(i, entry);
        }
        return out;
      });
}

Napi::Value ImageRemove(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto name = StringArg(info, 1, "name");
  return Queue(info.Env(), "remove image", {ioctx}, [ioctx, name] { return rbd_remove(ioctx->raw(), name.c_str()); });
}

Napi::Value ImageRename(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto from = StringArg(info, 1, "from");
  auto to = StringArg(info, 2, "to");
  return Queue(info.Env(), "rename image", {ioctx},
               [ioctx, from, to] { return rbd_rename(ioctx->raw(), from.c_str(), to.c_str()); });
}

// The stat calls on an open image, filling `out` (off the JS thread).
int FillStat(rbd_image_t img, rados_t cluster, StatResult* out) {
  int rc = rbd_stat(img, &out->info, sizeof(out->info));
  if (rc < 0) return rc;
  rc = ReadGrowing(&out->id, 64, [img](char* buf, size_t len) { return rbd_get_id(img, buf, len); });
  if (rc < 0) return rc;
  rc = ReadGrowing(&out->block_name_prefix, 64,
                   [img](char* buf, size_t len) { return rbd_get_block_name_prefix(img, buf, len); });
  if (rc < 0) return rc;
  if ((rc = rbd_get_features(img, &out->features)) < 0) return rc;
  if ((rc = rbd_get_flags(img, &out->flags)) < 0) return rc;
  int64_t data_pool_id = rbd_get_data_pool_id(img);
  if (data_pool_id < 0) return static_cast<int>(data_pool_id);
  rc = ReadGrowing(&out->data_pool, 64, [cluster, data_pool_id](char* buf, size_t len) {
    return rados_pool_reverse_lookup(cluster, data_pool_id, buf, len);
  });
  if (rc < 0) return rc;
  rbd_linked_image_spec_t parent{};
  rbd_snap_spec_t parent_snap{};
  rc = rbd_get_parent(img, &parent, &parent_snap);
  if (rc == -ENOENT) return 0;  // not a clone
  if (rc < 0) return rc;
  out->has_parent = true;
  out->parent_pool = parent.pool_name ? parent.pool_name : "";
  out->parent_namespace = parent.pool_namespace ? parent.pool_namespace : "";
  out->parent_image = parent.image_name ? parent.image_name : "";
  out->parent_id = parent.image_id ? parent.image_id : "";
  out->parent_snap = parent_snap.name ? parent_snap.name : "";
  rbd_linked_image_spec_cleanup(&parent);
  rbd_snap_spec_cleanup(&parent_snap);
  return 0;
}

}  // namespace

Napi::Value StatValue(Napi::Env env, const StatResult& out) {
  auto r = Napi::Object::New(env);
  r.Set("size", NumberU64(env, out.info.size));
  r.Set("objectSize", NumberU64(env, out.info.obj_size));
  r.Set("order", Napi::Number::New(env, out.info.order));
  r.Set("numObjs", NumberU64(env, out.info.num_objs));
  r.Set("blockNamePrefix", out.block_name_prefix);
  r.Set("id", out.id);
  r.Set("features", Napi::BigInt::New(env, out.features));
  r.Set("flags", NumberU64(env, out.flags));
  r.Set("dataPool", out.data_pool);
  if (out.has_parent) {
    auto p = Napi::Object::New(env);
    p.Set("pool", out.parent_pool);
    p.Set("namespace", out.parent_namespace);
    p.Set("image", out.parent_image);
    p.Set("id", out.parent_id);
    p.Set("snapshot", out.parent_snap);
    r.Set("parent", p);
  }
  return r;
}

int StatByOpen(rados_ioctx_t io, const std::string& name, StatResult* out) {
  rbd_image_t img = nullptr;
  int rc = rbd_open_read_only(io, name.c_str(), &img, nullptr);
  if (rc < 0) return rc;
  rc = FillStat(img, rados_ioctx_get_cluster(io), out);
  int closed = rbd_close(img);
  return rc < 0 ? rc : closed;
}

namespace {

// stat(image) -> {size, objectSize, order, numObjs, blockNamePrefix, id, features (bigint), flags, dataPool, parent?}
// dataPool: the pool holding the image's data objects (its own pool unless created with a data pool).
Napi::Value ImageStat(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto out = std::make_shared<StatResult>();
  return Queue(
      info.Env(), "stat image", {image},
      [image, out]() -> int { return FillStat(image->raw(), rados_ioctx_get_cluster(image->ioctx()->raw()), out.get()); },
      [out](Napi::Env env) { return StatValue(env, *out); });
}

// statImageByName(ioctx, name) -> the same as stat: from the image's header (header.cc) where the
// image is plain, otherwise open read-only, stat, close in one worker. What a read needs.
Napi::Value ImageStatByName(const Napi::CallbackInfo& info) {
  return StatImageFromHeader(info.Env(), "stat image", UnwrapIoCtx(info[0]), StringArg(info, 1, "name"), true);
}

// librbd calls the progress callback unconditionally: a null one crashes in shrink/grow.
int IgnoreProgress(uint64_t, uint64_t, void*) { return 0; }

// resize(image, size, allowShrink) -> the image's size before. Without allowShrink a smaller size
// leaves the image as it is (the caller names the refusal from the size): the check and the resize
// in one worker, where a stat first would take a threadpool thread of its own.
Napi::Value ImageResize(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  uint64_t size = U64Arg(info, 1, "size");
  bool allow_shrink = BoolArg(info, 2);
  auto before = std::make_shared<uint64_t>(0);
  return Queue(
      info.Env(), "resize image", {image},
      [image, size, allow_shrink, before]() -> int {
        int rc = rbd_get_size(image->raw(), before.get());
        if (rc < 0 || (size < *before && !allow_shrink)) return rc;
        // allow_shrink is passed on too, so a resize made meanwhile cannot turn this into a shrink.
        return rbd_resize2(image->raw(), size, allow_shrink, IgnoreProgress, nullptr);
      },
      [before](Napi::Env env) { return NumberU64(env, *before); });
}

Napi::Value ImageFlatten(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  return Queue(info.Env(), "flatten image", {image}, [image] { return rbd_flatten(image->raw()); });
}

struct Usage {
  uint64_t provisioned = 0, used = 0;
};

int CountAllocated(uint64_t /*offset*/, size_t len, int exists, void* arg) {
  if (exists) static_cast<Usage*>(arg)->used += len;
  return 0;
}

// diskUsage(image) -> {provisioned, used}, computed like `rbd du`: allocated whole objects
// (from the object map when fast-diff is valid, otherwise by listing the image's objects).
Napi::Value ImageDiskUsage(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto usage = std::make_shared<Usage>();
  return Queue(
      info.Env(), "compute disk usage", {image},
      [image, usage]() -> int {
        rbd_image_t img = image->raw();
        uint64_t size = 0;
        int rc = rbd_get_size(img, &size);
        if (rc < 0) return rc;
        usage->provisioned = size;
        usage->used = 0;
        return rbd_diff_iterate2(img, nullptr, 0, size, /*include_parent=*/0, /*whole_object=*/1, CountAllocated,
                                 usage.get());
      },
      [usage](Napi::Env env) {
        auto r = Napi::Object::New(env);
        r.Set("provisioned", NumberU64(env, usage->provisioned));
        r.Set("used", NumberU64(env, usage->used));
        return r;
      });
}

}  // namespace

void InitImage(Napi::Env env, Napi::Object exports) {
  exports.Set("imageCreate", Napi::Function::New(env, ImageCreate, "imageCreate"));
  exports.Set("imageList", Napi::Function::New(env, ImageList, "imageList"));
  exports.Set("imageRemove", Napi::Function::New(env, ImageRemove, "imageRemove"));
  exports.Set("imageRename", Napi::Function::New(env, ImageRename, "imageRename"));
  exports.Set("imageStat", Napi::Function::New(env, ImageStat, "imageStat"));
  exports.Set("imageStatByName", Napi::Function::New(env, ImageStatByName, "imageStatByName"));
  exports.Set("imageResize", Napi::Function::New(env, ImageResize, "imageResize"));
  exports.Set("imageFlatten", Napi::Function::New(env, ImageFlatten, "imageFlatten"));
  exports.Set("imageDiskUsage", Napi::Function::New(env, ImageDiskUsage, "imageDiskUsage"));
}

}  // namespace ceph_native
