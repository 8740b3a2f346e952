#include "aio.h"

namespace ceph_native {

// One thread-safe function per environment, referenced only while jobs are in flight, so an idle
// addon does not keep the process alive.
class AioDispatch {
 public:
  explicit AioDispatch(Napi::Env env)
      : tsfn_(Napi::ThreadSafeFunction::New(env, Napi::Function(), "ceph_native aio", 0, 1)) {
    tsfn_.Unref(env);
  }

  void Begin(Napi::Env env) {
    if (inflight_++ == 0) tsfn_.Ref(env);
  }
  void End(Napi::Env env) {
    if (--inflight_ == 0) tsfn_.Unref(env);
  }
  template <typename Callback>
  napi_status Post(AioJob* job, Callback callback) {
    return tsfn_.NonBlockingCall(job, callback);
  }

 private:
  Napi::ThreadSafeFunction tsfn_;
  int inflight_ = 0;  // JS thread only
};

AioJob::AioJob(Napi::Env env) : dispatch_(env.GetInstanceData<AioDispatch>()) { dispatch_->Begin(env); }

void AioJob::Finish() {
  // Fails only with napi_closing: the environment is going away, nothing can be settled any more,
  // and the job is dropped (aio.h).
  dispatch_->Post(this, Deliver);
}

void AioJob::Deliver(Napi::Env env, Napi::Function, AioJob* job) {
  // node-addon-api calls back only with a live environment: jobs still queued at teardown are dropped.
  AioDispatch* dispatch = job->dispatch_;
  try {
    job->Settle(env);
  } catch (const Napi::Error&) {
    // Settle builds values; an exception here (out of memory in V8) must not unwind into libuv.
  }
  delete job;
  dispatch->End(env);
}

void InitAio(Napi::Env env) { env.SetInstanceData(new AioDispatch(env)); }

}  // namespace ceph_native
