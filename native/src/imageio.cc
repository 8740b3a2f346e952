// Image data I/O: write and read a byte range (synchronous librbd calls, on the threadpool).
#include <vector>

#include "image.h"

namespace ceph_native {

namespace {

// imageWrite(image, offset, data: Buffer) -> bytes written. The bytes are copied on the JS thread,
// so the caller's Buffer may change or go while the write runs.
Napi::Value ImageWrite(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  uint64_t offset = U64Arg(info, 1, "offset");
  if (!info[2].IsBuffer()) throw Napi::TypeError::New(info.Env(), "data: Buffer expected");
  auto buf = info[2].As<Napi::Buffer<char>>();
  auto data = std::make_shared<std::vector<char>>(buf.Data(), buf.Data() + buf.Length());
  auto written = std::make_shared<ssize_t>(0);
  return Queue(
      info.Env(), "write image", {image},
      [image, offset, data, written]() -> int {
        ssize_t rc = rbd_write(image->raw(), offset, data->size(), data->data());
        if (rc < 0) return static_cast<int>(rc);
        *written = rc;
        // A write is acknowledged once it is in librbd's cache, if one is on: flush so it is on the OSDs.
        return rbd_flush(image->raw());
      },
      [written](Napi::Env env) { return Napi::Number::New(env, static_cast<double>(*written)); });
}

// imageRead(image, offset, length) -> Buffer (shorter at the end of the image)
Napi::Value ImageRead(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  uint64_t offset = U64Arg(info, 1, "offset");
  uint64_t length = U64Arg(info, 2, "length");
  auto data = std::make_shared<std::vector<char>>();
  return Queue(
      info.Env(), "read image", {image},
      [image, offset, length, data]() -> int {
        data->resize(length);
        ssize_t rc = rbd_read(image->raw(), offset, length, data->data());
        if (rc < 0) return static_cast<int>(rc);
        data->resize(static_cast<size_t>(rc));
        return 0;
      },
      [data](Napi::Env env) { return Napi::Buffer<char>::Copy(env, data->data(), data->size()); });
}

}  // namespace

void InitImageIo(Napi::Env env, Napi::Object exports) {
  exports.Set("imageWrite", Napi::Function::New(env, ImageWrite, "imageWrite"));
  exports.Set("imageRead", Napi::Function::New(env, ImageRead, "imageRead"));
}

}  // namespace ceph_native
