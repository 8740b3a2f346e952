// The threads the addon's blocking librados/librbd calls run on.
//
// libuv's pool hands each call to its longest-idle thread, so calls made one after another go
// round all of its threads (64 in the provider host), each starting cold. Here the most recently
// idle thread takes the next call: one after another, calls keep to one warm thread, and threads
// are started only as calls overlap. Measured in turns with C, a create was 1.04-1.05x C on
// libuv's 64 threads and 1.00-1.01x on one (bench/results/NOTES.md).
#pragma once

#include <functional>

namespace ceph_native {

// Runs `task` on a call thread: the most recently idle one, else a new one while fewer than
// CallThreadLimit() exist, else the first to come free (waiting tasks start in order). Then runs
// `then` on the same thread once it is free again (back on top of the idle stack, or about to take
// the next waiting task), so a call made as soon as `then` hands the result back finds this thread
// warm. Neither may throw, nor touch the JS engine.
void RunOnCallThread(std::function<void()> task, std::function<void()> then);

// UV_THREADPOOL_SIZE if set (1-1024), as for libuv's pool before, else 64; read at the first call.
int CallThreadLimit();

struct CallThreadCounts {
  int started, idle, limit;
};
CallThreadCounts CountCallThreads();

}  // namespace ceph_native
