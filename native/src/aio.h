// Jobs settled on the JS thread: librados and librbd aio ops, without a call thread, and the
// call threads' own jobs (worker.h).
//
// A CephWorker costs two thread wake-ups besides the call's own: the JS thread waking a pool
// thread, and the pool thread waking the JS thread back. For a call made of a few OSD round trips
// (an image's stat is two) that is about a tenth of its time (bench/results/NOTES.md). An AioJob
// sends its ops from the JS thread, chains the next from librados' completion callback, and is
// handed back to the JS thread once, through one thread-safe function per environment.
#pragma once

#include <napi.h>

namespace ceph_native {

class AioDispatch;

class AioJob {
 public:
  // JS thread: counts the job in flight (the event loop stays alive until it settles).
  explicit AioJob(Napi::Env env);
  virtual ~AioJob() = default;
  AioJob(const AioJob&) = delete;
  AioJob& operator=(const AioJob&) = delete;

  // Any thread, once, when the job's last op completed: Settle() then runs on the JS thread and
  // the job is deleted. While the environment shuts down the job is dropped unsettled.
  void Finish();

 protected:
  // JS thread: resolves or rejects the job's promise.
  virtual void Settle(Napi::Env env) = 0;

 private:
  static void Deliver(Napi::Env env, Napi::Function, AioJob* job);
  AioDispatch* dispatch_;
};

// Creates the environment's dispatcher; from Init, before any AioJob.
void InitAio(Napi::Env env);

}  // namespace ceph_native
