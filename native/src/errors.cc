// Rejection values: a plain Error with errno (positive), code ("ENOENT"), op and detail.
// TypeScript (native/errors.ts) turns these into typed CephError subclasses with cluster context.
#include <cerrno>
#include <cstring>

#include "handles.h"

namespace ceph_native {

namespace {

std::string ErrnoCode(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  if (const char* name = strerrorname_np(err)) return name;
#endif
  return "E" + std::to_string(err);
}

std::string ErrnoDescription(int err) {
  char buf[256];
  // GNU strerror_r may return a static string instead of filling buf.
  const char* text = strerror_r(err, buf, sizeof(buf));
  return text ? text : ("errno " + std::to_string(err));
}

}  // namespace

Napi::Value MakeCephError(Napi::Env env, int err, const std::string& op, const std::string& detail) {
  std::string code = ErrnoCode(err);
  std::string description = ErrnoDescription(err);
  auto error = Napi::Error::New(env, op + " failed: " + code + " (" + description + ")").Value();
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("code", Napi::String::New(env, code));
  error.Set("description", Napi::String::New(env, description));
  error.Set("op", Napi::String::New(env, op));
  if (!detail.empty()) error.Set("detail", Napi::String::New(env, detail));
  return error;
}

Napi::Value MakeClosedError(Napi::Env env, const std::string& op) {
  auto error = Napi::Error::New(env, op + " failed: handle is closed").Value();
  error.Set("errno", Napi::Number::New(env, EBADF));
  error.Set("code", Napi::String::New(env, "ECLOSED"));
  error.Set("description", Napi::String::New(env, "handle is closed"));
  error.Set("op", Napi::String::New(env, op));
  return error;
}

}  // namespace ceph_native
