// Module entry point, plus the argument helpers and close helper shared by every capability.
#include "handles.h"

#include <malloc.h>
#include <condition_variable>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace ceph_native {

namespace {
std::atomic<bool> environment_exiting{false};
}

bool EnvironmentExiting() { return environment_exiting.load(); }

template <>
const napi_type_tag& TagFor<ClusterCore>() {
  static const napi_type_tag tag = {0x6365706863727374ULL, 0x1d1f4c2f2a7b3e01ULL};
  return tag;
}
template <>
const napi_type_tag& TagFor<IoCtxCore>() {
  static const napi_type_tag tag = {0x636570686970746bULL, 0x1d1f4c2f2a7b3e02ULL};
  return tag;
}
template <>
const napi_type_tag& TagFor<ImageCore>() {
  static const napi_type_tag tag = {0x63657068696d6167ULL, 0x1d1f4c2f2a7b3e03ULL};
  return tag;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + ": string expected");
  return info[index].As<Napi::String>();
}

std::string OptionalStringArg(const Napi::CallbackInfo& info, size_t index) {
  if (info[index].IsUndefined() || info[index].IsNull()) return std::string();
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), "string expected");
  return info[index].As<Napi::String>();
}

uint64_t U64Value(Napi::Value value, const char* name) {
  if (value.IsBigInt()) {
    bool lossless = false;
    uint64_t result = value.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(value.Env(), std::string(name) + ": out of range");
    return result;
  }
  if (value.IsNumber()) {
    double d = value.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d))) {
      throw Napi::RangeError::New(value.Env(), std::string(name) + ": non-negative integer expected");
    }
    return static_cast<uint64_t>(d);
  }
  throw Napi::TypeError::New(value.Env(), std::string(name) + ": number or bigint expected");
}

uint64_t U64Arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return U64Value(info[index], name);
}

bool BoolArg(const Napi::CallbackInfo& info, size_t index) { return info[index].ToBoolean(); }

std::string BytesArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsBuffer()) throw Napi::TypeError::New(info.Env(), std::string(name) + ": Buffer expected");
  auto buf = info[index].As<Napi::Buffer<char>>();
  return std::string(buf.Data(), buf.Length());
}

Napi::Value QueueClose(Napi::Env env, const std::string& op, std::shared_ptr<Resource> resource) {
  if (!resource->BeginClose()) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  auto* worker = new CephWorker(env, op, {}, [resource] { return resource->FinishClose(); }, nullptr, nullptr);
  auto promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace ceph_native

namespace {

// holdCallThread's calls wait for the generation to move on (releaseCallThreads).
struct {
  std::mutex mutex;
  std::condition_variable released;
  uint64_t generation = 0;
} held_threads;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace ceph_native;
  // Registered after Node-API's own teardown hook, so it runs before handle finalizers.
  napi_add_env_cleanup_hook(env, [](void*) { environment_exiting.store(true); }, nullptr);
  InitAio(env);
  InitConnection(env, exports);
  InitIoCtx(env, exports);
  InitImage(env, exports);
  InitImageOpen(env, exports);
  InitSnapshot(env, exports);
  InitTrash(env, exports);
  InitClone(env, exports);
  InitWatchers(env, exports);
  InitMetadata(env, exports);
  InitObjects(env, exports);
  InitCls(env, exports);
  InitMirror(env, exports);
  InitImageIo(env, exports);
  InitHeader(env, exports);
  InitRemoval(env, exports);
  // Diagnostic: a worker whose work throws, so tests can prove an exception's message reaches JS.
  exports.Set("throwInWorker", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    std::string message = StringArg(info, 0, "message");
    return Queue(info.Env(), "throw in worker", {}, [message]() -> int { throw std::runtime_error(message); });
  }));
  // Diagnostic: the call threads (threadpool.h), so tests can see calls keep to warm threads.
  exports.Set("callThreads", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    CallThreadCounts counts = CountCallThreads();
    auto r = Napi::Object::New(info.Env());
    r.Set("started", counts.started);
    r.Set("idle", counts.idle);
    r.Set("limit", counts.limit);
    return r;
  }));
  // Diagnostic: a call that holds its call thread until releaseCallThreads(), so tests can fill
  // every thread and see what waits for one and what does not.
  exports.Set("holdCallThread", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(held_threads.mutex);
      generation = held_threads.generation;
    }
    return Queue(info.Env(), "hold call thread", {}, [generation]() -> int {
      std::unique_lock<std::mutex> lock(held_threads.mutex);
      held_threads.released.wait(lock, [generation] { return held_threads.generation != generation; });
      return 0;
    });
  }));
  exports.Set("releaseCallThreads", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    {
      std::lock_guard<std::mutex> lock(held_threads.mutex);
      ++held_threads.generation;
    }
    held_threads.released.notify_all();
    return info.Env().Undefined();
  }));
  // Diagnostic: the kernel's id of the call thread a call runs on.
  exports.Set("callThreadId", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto tid = std::make_shared<long>(0);
    return Queue(
        info.Env(), "call thread id", {},
        [tid]() -> int {
          *tid = syscall(SYS_gettid);
          return 0;
        },
        [tid](Napi::Env env) { return Napi::Number::New(env, static_cast<double>(*tid)); });
  }));
  // Diagnostic: glibc's heap, all arenas. The RSS bench reports it to tell a leak (inUse grows)
  // from memory the allocator keeps for reuse (free grows, inUse flat).
  exports.Set("mallocStats", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    struct mallinfo2 m = mallinfo2();
    auto r = Napi::Object::New(info.Env());
    r.Set("inUse", NumberU64(info.Env(), m.uordblks + m.hblkhd));
    r.Set("free", NumberU64(info.Env(), m.fordblks));
    r.Set("heap", NumberU64(info.Env(), m.arena + m.hblkhd));
    r.Set("mmapped", NumberU64(info.Env(), m.hblkhd));
    return r;
  }));
  // glibc serves a request at or above its mmap threshold with a mapping of its own, returned to
  // the kernel on free, and gives back free memory at the top of a heap past its trim threshold.
  // By default each such free raises the mmap threshold to that size (up to 32 MiB) and the trim
  // threshold to twice that, so later requests of that size are carved from the arenas, which keep
  // them. Setting either pins both raises off. Process-wide: the provider host sets them for itself
  // (provider/hostProcess.ts); a library user decides for its own process.
  exports.Set("setMallocThreshold", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    std::string which = StringArg(info, 0, "which");
    if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "bytes must be a number");
    int64_t bytes = info[1].As<Napi::Number>().Int64Value();
    if (bytes <= 0 || bytes > INT32_MAX) throw Napi::RangeError::New(info.Env(), "bytes must be between 1 and 2^31-1");
    int param = which == "mmap" ? M_MMAP_THRESHOLD : which == "trim" ? M_TRIM_THRESHOLD : 0;
    if (param == 0) throw Napi::TypeError::New(info.Env(), "which must be \"mmap\" or \"trim\"");
    return Napi::Boolean::New(info.Env(), mallopt(param, static_cast<int>(bytes)) == 1);
  }));
  int major = 0, minor = 0, extra = 0;
  rbd_version(&major, &minor, &extra);
  exports.Set("librbdVersion", Napi::String::New(env, std::to_string(major) + "." + std::to_string(minor) + "." +
                                                          std::to_string(extra)));
  return exports;
}

}  // namespace

NODE_API_MODULE(ceph_native, Init)
