// The threads the addon's blocking librados/librbd calls run on.
//
// libuv's pool hands each call to its longest-idle thread, so calls made one after another go
// round all of its threads (64 in the provider host), each starting cold. Here the most recently
// idle thread takes the next call: one after another, calls keep to one warm thread, and threads
// are started only as calls overlap. Measured in turns with C, a create was 1.04-1.05x C on
// libuv's 64 threads and 1.00-1.01x on one (bench/results/NOTES.md).
#pragma once

#include <functional>
#include <string>

namespace ceph_native {

// Runs `task` on a call thread: the most recently idle one, else a new one while fewer than the
// limit exist (UV_THREADPOOL_SIZE if set, 1-1024, else 64), else the first to come free (waiting
// tasks start in order). Then runs `then` on the same thread once it is free again (back on top of
// the idle stack, or about to take the next waiting task), so a call made as soon as `then` hands
// the result back finds this thread warm. Neither may throw, nor touch the JS engine.
//
// Where the process cannot start a thread (the kernel's or a cgroup's task limit), the task waits
// for a running call thread; with none running, `refuse` runs instead of both, with the reason, on
// the calling thread or another caller's (so it must be safe on any thread, as `then` is). libuv's
// pool aborts the process in that case.
void RunOnCallThread(std::function<void()> task, std::function<void()> then,
                     std::function<void(const std::string& why)> refuse);

// Runs `task` (a handle's release, which blocks on the network) on a call thread with nothing to
// hand back. Where no call thread can run it, runs it on the calling thread: slow, but the handle
// is released, where a thread of its own would have ended the process. Today that cannot happen:
// every handle comes from a connect made on a call thread, and call threads never stop, so one is
// always running to take it; the fallback keeps a release from being dropped should either change.
void RunInBackground(std::function<void()> task);

struct CallThreadCounts {
  int started, idle, limit;
};
CallThreadCounts CountCallThreads();

}  // namespace ceph_native
