// Image metadata (key/value pairs stored in the image header).
#include <algorithm>

#include "image.h"

namespace ceph_native {

namespace {

// metadataGet(image, key) -> string; rejects ENOENT when the key is missing
Napi::Value MetadataGet(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto key = StringArg(info, 1, "key");
  auto value = std::make_shared<std::string>();
  return Queue(
      info.Env(), "get image metadata", {image},
      [image, key, value]() -> int {
        std::vector<char> buf(256);
        for (int attempt = 0; attempt < 8; ++attempt) {
          size_t len = buf.size();
          int rc = rbd_metadata_get(image->raw(), key.c_str(), buf.data(), &len);
          if (rc == -ERANGE) {
            buf.resize(len > buf.size() ? len : buf.size() * 2);
            continue;
          }
          if (rc < 0) return rc;
          value->assign(buf.data(), strnlen(buf.data(), buf.size()));
          return 0;
        }
        return -ERANGE;
      },
      [value](Napi::Env env) { return Napi::String::New(env, *value); });
}

Napi::Value MetadataSet(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto key = StringArg(info, 1, "key");
  auto value = StringArg(info, 2, "value");
  return Queue(info.Env(), "set image metadata", {image},
               [image, key, value] { return rbd_metadata_set(image->raw(), key.c_str(), value.c_str()); });
}

Napi::Value MetadataRemove(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto key = StringArg(info, 1, "key");
  return Queue(info.Env(), "remove image metadata", {image},
               [image, key] { return rbd_metadata_remove(image->raw(), key.c_str()); });
}

// metadataList(image) -> [[key, value], ...], fetched in pages so no buffer size is guessed up front.
Napi::Value MetadataList(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto pairs = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  return Queue(
      info.Env(), "list image metadata", {image},
      [image, pairs]() -> int {
        constexpr uint64_t kPage = 128;
        std::string start;
        std::vector<char> keys(4096), vals(16384);
        int regrows = 0;
        for (;;) {
          size_t keys_len = keys.size(), vals_len = vals.size();
          int rc = rbd_metadata_list(image->raw(), start.c_str(), kPage, keys.data(), &keys_len, vals.data(), &vals_len);
          if (rc == -ERANGE) {
            if (++regrows > 16) return rc;
            keys.resize(std::max(keys_len, keys.size() * 2));
            vals.resize(std::max(vals_len, vals.size() * 2));
            continue;
          }
          if (rc < 0) return rc;
          // keys and values are NUL-separated, in the same order; keys_len covers what was written.
          size_t kpos = 0, vpos = 0, got = 0;
          while (kpos < keys_len && keys[kpos] != '\0') {
            std::string k(keys.data() + kpos);
            std::string v(vals.data() + vpos);
            kpos += k.size() + 1;
            vpos += v.size() + 1;
            pairs->emplace_back(k, std::move(v));
            start = std::move(k);
            ++got;
          }
          if (got < kPage) return 0;
        }
      },
      [pairs](Napi::Env env) {
        auto arr = Napi::Array::New(env, pairs->size());
        for (uint32_t i = 0; i < pairs->size(); ++i) {
          auto pair = Napi::Array::New(env, 2);
          pair.Set(0u, (*pairs)[i].first);
          pair.Set(1u, (*pairs)[i].second);
          arr.Set(i, pair);
        }
        return arr;
      });
}

}  // namespace

void InitMetadata(Napi::Env env, Napi::Object exports) {
  exports.Set("metadataGet", Napi::Function::New(env, MetadataGet, "metadataGet"));
  exports.Set("metadataSet", Napi::Function::New(env, MetadataSet, "metadataSet"));
  exports.Set("metadataRemove", Napi::Function::New(env, MetadataRemove, "metadataRemove"));
  exports.Set("metadataList", Napi::Function::New(env, MetadataList, "metadataList"));
}

}  // namespace ceph_native
