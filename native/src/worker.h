// Shared plumbing for every native operation:
//  - Resource: a rados/rbd handle whose release is deferred until no operation uses it;
//  - Lease: RAII proof that a Resource stays usable while an operation runs;
//  - Queue(): runs one blocking librados/librbd call on a call thread (threadpool.h) and settles a promise.
#pragma once

#include <napi.h>

#include <cerrno>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <stdexcept>
#include <utility>
#include <vector>

#include "aio.h"
#include "threadpool.h"

namespace ceph_native {

// A native handle (cluster, ioctx, image). Lifecycle:
//   open -> (operations take leases) -> BeginClose() -> last lease gone -> ReleaseHandle() once.
// ReleaseHandle() blocks on the network, so it only ever runs on a call thread (the close worker,
// the worker that dropped the last lease, or a background release: threadpool.h).
class Resource {
 public:
  virtual ~Resource() = default;

  // JS thread, before queueing an operation. False once close has begun.
  bool TryAcquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) return false;
    ++leases_;
    return true;
  }

  // Adds a lease for a caller that already holds one (so the handle cannot be released meanwhile).
  void AddLease() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++leases_;
  }

  void ReleaseLease() {
    bool release_now;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --leases_;
      release_now = closing_ && leases_ == 0 && !released_;
      if (release_now) released_ = true;
    }
    if (release_now) ReleaseHandle();
  }

  // JS thread: stops new operations. False if close had already begun.
  bool BeginClose() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) return false;
    closing_ = true;
    return true;
  }

  // Off the JS thread, after BeginClose(): releases now if idle, otherwise the last lease does it.
  // Returns the release's result, or 0 when deferred.
  int FinishClose() {
    bool release_now;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      release_now = leases_ == 0 && !released_;
      if (release_now) released_ = true;
    }
    return release_now ? ReleaseHandle() : 0;
  }

  bool closing() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closing_;
  }

  // After BeginClose(), for a caller that releases the handle itself without blocking (librbd's
  // aio close): true if no operation holds a lease, and the handle counts as released from now
  // on; false if one does, and its last lease releases the handle as FinishClose() would.
  bool TakeReleaseIfIdle() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (leases_ != 0 || released_) return false;
    released_ = true;
    return true;
  }

 protected:
  // Called exactly once. Must not touch the JS engine.
  virtual int ReleaseHandle() = 0;

  // For destructors of derived classes: true if the handle was never released
  // (and marks it released), so the destructor must hand it to RunInBackground.
  bool TakeUnreleased() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (released_) return false;
    released_ = true;
    return true;
  }

 private:
  std::mutex mutex_;
  int leases_ = 0;
  bool closing_ = false;
  bool released_ = false;
};

// Keeps a Resource alive (shared_ptr) and unreleased (lease count) until Reset().
class Lease {
 public:
  Lease() = default;
  explicit Lease(std::shared_ptr<Resource> resource) : resource_(std::move(resource)) {}
  Lease(Lease&& other) noexcept : resource_(std::move(other.resource_)) {}
  Lease& operator=(Lease&& other) noexcept {
    if (this != &other) {
      Reset();
      resource_ = std::move(other.resource_);
    }
    return *this;
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { Reset(); }

  // Only valid while this lease is held, which guarantees the handle is not released.
  Lease Clone() const {
    resource_->AddLease();
    return Lease(resource_);
  }

  void Reset() {
    if (resource_) {
      auto resource = std::move(resource_);
      resource_.reset();
      resource->ReleaseLease();
    }
  }

 private:
  std::shared_ptr<Resource> resource_;
};

// Builds the rejection value: an Error carrying errno, code, op and optional detail.
Napi::Value MakeCephError(Napi::Env env, int err, const std::string& op, const std::string& detail);
// Rejection for a call on a closed handle (code "ECLOSED").
Napi::Value MakeClosedError(Napi::Env env, const std::string& op);

// Runs `work` (returns 0 or -errno) on a call thread, then `done` on the JS thread to build the
// resolution value, handed back as an aio job is (aio.h). Leases are dropped at the end of `work`,
// still off the JS thread, so a deferred close releases its handle there.
class CephWorker final : public AioJob {
 public:
  using Work = std::function<int()>;
  using Done = std::function<Napi::Value(Napi::Env)>;

  CephWorker(Napi::Env env, std::string op, std::vector<Lease> leases, Work work, Done done,
             std::shared_ptr<std::string> detail)
      : AioJob(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        op_(std::move(op)),
        leases_(std::move(leases)),
        work_(std::move(work)),
        done_(std::move(done)),
        detail_(std::move(detail)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  // JS thread. The worker deletes itself once settled; take Promise() first.
  void Queue() {
    RunOnCallThread([this] { Execute(); }, [this] { Finish(); },
                    [this](const std::string& why) {
                      rc_ = -EAGAIN;
                      exception_ = "no thread could be started for the call: " + why;
                      Finish();
                    });
  }

 private:
  void Execute() {
    // librados/librbd report errors as return codes; an exception is ours or the C++ runtime's,
    // and its message is the only clue to what happened, so it travels with the rejection.
    try {
      rc_ = work_();
    } catch (const std::bad_alloc&) {
      rc_ = -ENOMEM;
      exception_ = "C++ exception: out of memory (std::bad_alloc)";
    } catch (const std::exception& e) {
      rc_ = -EIO;
      exception_ = std::string("C++ exception: ") + e.what();
    } catch (...) {
      rc_ = -EIO;
      exception_ = "C++ exception of unknown type";
    }
    leases_.clear();
  }

  void Settle(Napi::Env env) override {
    if (rc_ < 0) {
      std::string detail = detail_ ? *detail_ : std::string();
      if (!exception_.empty()) detail = detail.empty() ? exception_ : detail + "; " + exception_;
      deferred_.Reject(MakeCephError(env, -rc_, op_, detail));
      return;
    }
    try {
      deferred_.Resolve(done_ ? done_(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string op_;
  std::vector<Lease> leases_;
  Work work_;
  Done done_;
  std::shared_ptr<std::string> detail_;
  int rc_ = 0;
  std::string exception_;
};

inline Napi::Value RejectedPromise(Napi::Env env, Napi::Value reason) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(reason);
  return deferred.Promise();
}

// Leases every resource (all or nothing), then queues the work. Rejects with ECLOSED if any
// resource is closing, without running anything.
inline Napi::Value Queue(Napi::Env env, const std::string& op,
                         std::initializer_list<std::shared_ptr<Resource>> resources,
                         CephWorker::Work work, CephWorker::Done done = nullptr,
                         std::shared_ptr<std::string> detail = nullptr) {
  std::vector<Lease> leases;
  for (const auto& resource : resources) {
    if (!resource->TryAcquire()) return RejectedPromise(env, MakeClosedError(env, op));
    leases.emplace_back(resource);
  }
  auto* worker = new CephWorker(env, op, std::move(leases), std::move(work), std::move(done),
                                std::move(detail));
  auto promise = worker->Promise();
  worker->Queue();  // the worker deletes itself once settled
  return promise;
}

// Releases leases on the threadpool, for a caller on the JS thread: the last lease of a closing
// handle closes it, and that blocks on the network. The worker's promise resolves, unread.
inline void ReleaseOnThreadpool(Napi::Env env, const std::string& op, std::vector<Lease> leases) {
  (new CephWorker(env, op, std::move(leases), [] { return 0; }, nullptr, nullptr))->Queue();
}

// JS thread: drops `lease`, held on `resource`. Only the JS thread begins a close, so a resource
// not closing now cannot be released by it. One that is (the JS backstop gave up on the call and
// closed it) is released by its last lease, and that blocks on the network: the threadpool does it.
inline void DropLeaseOnJsThread(Napi::Env env, const std::string& op, Resource& resource, Lease lease) {
  if (!resource.closing()) return lease.Reset();
  std::vector<Lease> leases;
  leases.push_back(std::move(lease));
  ReleaseOnThreadpool(env, op, std::move(leases));
}

// Helpers for argument conversion (TypeScript already validated; these only guard the boundary).
std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* name);
// Empty string when undefined/null.
std::string OptionalStringArg(const Napi::CallbackInfo& info, size_t index);
uint64_t U64Arg(const Napi::CallbackInfo& info, size_t index, const char* name);
bool BoolArg(const Napi::CallbackInfo& info, size_t index);
// The bytes of a Buffer argument, copied on the JS thread (the caller's Buffer may change meanwhile).
std::string BytesArg(const Napi::CallbackInfo& info, size_t index, const char* name);
uint64_t U64Value(Napi::Value value, const char* name);
inline Napi::Value NumberU64(Napi::Env env, uint64_t value) {
  return Napi::Number::New(env, static_cast<double>(value));
}

}  // namespace ceph_native
