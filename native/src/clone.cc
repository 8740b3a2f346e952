// Layering: clone a protected (or clone-v2) snapshot, and list an image's or snapshot's children.
#include "image.h"

namespace ceph_native {

namespace {

// clone(parentIoctx, parentName, snapName, childIoctx, childName, {features?, order?, stripeUnit?, stripeCount?, dataPool?})
Napi::Value Clone(const Napi::CallbackInfo& info) {
  auto parent_io = UnwrapIoCtx(info[0]);
  auto parent = StringArg(info, 1, "parent");
  auto snap = StringArg(info, 2, "snapshot");
  auto child_io = UnwrapIoCtx(info[3]);
  auto child = StringArg(info, 4, "child");
  auto spec = ImageSpecOptions::FromJs(info[5]);
  return Queue(info.Env(), "clone image", {parent_io, child_io}, [=] {
    ImageOptions opts;
    // rbd_clone3 does not default the format; clones require format 2 (rbd_clone2 sets it too).
    int rc = rbd_image_options_set_uint64(opts.opts, RBD_IMAGE_OPTION_FORMAT, 2);
    if (rc >= 0) rc = spec.Apply(opts.opts);
    return rc < 0 ? rc
                  : rbd_clone3(parent_io->raw(), parent.c_str(), snap.c_str(), child_io->raw(), child.c_str(),
                               opts.opts);
  });
}

int ListChildrenOf(rbd_image_t img, std::vector<LinkedImage>* out) {
  std::vector<rbd_linked_image_spec_t> specs;
  size_t count = 0;
  int rc = ListGrowing(&specs, &count, 16,
                       [img](rbd_linked_image_spec_t* items, size_t* max) { return rbd_list_children3(img, items, max); });
  if (rc < 0) return rc;
  *out = TakeLinkedImages(specs.data(), count);
  return 0;
}

// listChildren(image) -> children of all of the image's snapshots (the handle is at HEAD),
// or of the snapshot the handle was opened at.
Napi::Value ListChildren(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto children = std::make_shared<std::vector<LinkedImage>>();
  return Queue(
      info.Env(), "list children", {image}, [image, children] { return ListChildrenOf(image->raw(), children.get()); },
      [children](Napi::Env env) { return LinkedImagesToJs(env, *children); });
}

// snapChildren(image, snapName) -> children of one snapshot. Uses a short-lived read-only handle
// at that snapshot (by image id, so a concurrent rename does not matter) instead of moving the
// caller's handle to the snapshot, which other in-flight calls may be using.
Napi::Value SnapChildren(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto snap = StringArg(info, 1, "snapshot");
  auto children = std::make_shared<std::vector<LinkedImage>>();
  return Queue(
      info.Env(), "list snapshot children", {image},
      [image, snap, children]() -> int {
        std::string id;
        int rc = ReadGrowing(&id, 64, [&image](char* buf, size_t len) { return rbd_get_id(image->raw(), buf, len); });
        if (rc < 0) return rc;
        rbd_image_t at_snap = nullptr;
        // The image's lease keeps its ioctx lease, so the ioctx is open here.
        rc = rbd_open_by_id_read_only(image->ioctx()->raw(), id.c_str(), &at_snap, snap.c_str());
        if (rc < 0) return rc;
        rc = ListChildrenOf(at_snap, children.get());
        rbd_close(at_snap);
        return rc;
      },
      [children](Napi::Env env) { return LinkedImagesToJs(env, *children); });
}

}  // namespace

void InitClone(Napi::Env env, Napi::Object exports) {
  exports.Set("clone", Napi::Function::New(env, Clone, "clone"));
  exports.Set("listChildren", Napi::Function::New(env, ListChildren, "listChildren"));
  exports.Set("snapChildren", Napi::Function::New(env, SnapChildren, "snapChildren"));
}

}  // namespace ceph_native
