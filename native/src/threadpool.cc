#include "threadpool.h"

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ceph_native {

namespace {

using Task = std::pair<std::function<void()>, std::function<void()>>;  // the call, then its `then`

class CallThreads {
 public:
  CallThreads() : limit_(ReadLimit()) {}

  void Run(Task task) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      Slot* slot = idle_.back();  // the most recently idle: its stack and caches are warm
      idle_.pop_back();
      slot->task = std::move(task);
      slot->has_task = true;
      lock.unlock();
      slot->wake.notify_one();
      return;
    }
    if (started_ < limit_) {
      ++started_;
      lock.unlock();
      std::thread([this, first = std::move(task)]() mutable { Loop(std::move(first)); }).detach();
      return;
    }
    waiting_.push_back(std::move(task));
  }

  CallThreadCounts Counts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {started_, static_cast<int>(idle_.size()), limit_};
  }

  int limit() const { return limit_; }

 private:
  struct Slot {
    std::condition_variable wake;
    Task task;
    bool has_task = false;
  };

  static int ReadLimit() {
    const char* env = std::getenv("UV_THREADPOOL_SIZE");
    int n = env != nullptr ? std::atoi(env) : 0;
    return n >= 1 && n <= 1024 ? n : 64;
  }

  // A thread runs its task, then takes the oldest waiting one or parks itself on top of the idle
  // stack, and only then runs the task's `then`. Threads are never stopped: the pool lives as long
  // as the process (it is never destroyed, so no static destructor can pull it from under a thread
  // still in a call at exit).
  void Loop(Task task) {
    Slot slot;
    for (;;) {
      task.first();
      std::unique_lock<std::mutex> lock(mutex_);
      if (!waiting_.empty()) {
        Task next = std::move(waiting_.front());
        waiting_.pop_front();
        lock.unlock();
        task.second();
        task = std::move(next);
        continue;
      }
      idle_.push_back(&slot);
      lock.unlock();
      task.second();
      lock.lock();
      slot.wake.wait(lock, [&slot] { return slot.has_task; });
      task = std::move(slot.task);
      slot.has_task = false;
    }
  }

  std::mutex mutex_;
  std::vector<Slot*> idle_;
  std::deque<Task> waiting_;
  int started_ = 0;
  const int limit_;
};

CallThreads& Threads() {
  static CallThreads* threads = new CallThreads();  // never destroyed, see Loop
  return *threads;
}

}  // namespace

void RunOnCallThread(std::function<void()> task, std::function<void()> then) {
  Threads().Run({std::move(task), std::move(then)});
}

int CallThreadLimit() { return Threads().limit(); }

CallThreadCounts CountCallThreads() { return Threads().Counts(); }

}  // namespace ceph_native
