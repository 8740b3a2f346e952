#include "threadpool.h"

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace ceph_native {

namespace {

class CallThreads {
 public:
  CallThreads() : limit_(ReadLimit()) {}

  void Run(std::function<void()> task) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      Slot* slot = idle_.back();  // the most recently idle: its stack and caches are warm
      idle_.pop_back();
      slot->task = std::move(task);
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
    std::function<void()> task;
  };

  static int ReadLimit() {
    const char* env = std::getenv("UV_THREADPOOL_SIZE");
    int n = env != nullptr ? std::atoi(env) : 0;
    return n >= 1 && n <= 1024 ? n : 64;
  }

  // A thread runs its task, then the oldest waiting one, else parks itself on top of the idle stack.
  // Threads are never stopped: the pool lives as long as the process (it is never destroyed, so no
  // static destructor can pull it from under a thread still in a call at exit).
  void Loop(std::function<void()> task) {
    Slot slot;
    for (;;) {
      task();
      std::unique_lock<std::mutex> lock(mutex_);
      if (!waiting_.empty()) {
        task = std::move(waiting_.front());
        waiting_.pop_front();
        continue;
      }
      idle_.push_back(&slot);
      slot.wake.wait(lock, [&slot] { return static_cast<bool>(slot.task); });
      task = std::move(slot.task);
      slot.task = nullptr;
    }
  }

  std::mutex mutex_;
  std::vector<Slot*> idle_;
  std::deque<std::function<void()>> waiting_;
  int started_ = 0;
  const int limit_;
};

CallThreads& Threads() {
  static CallThreads* threads = new CallThreads();  // never destroyed, see Loop
  return *threads;
}

}  // namespace

void RunOnCallThread(std::function<void()> task) { Threads().Run(std::move(task)); }

int CallThreadLimit() { return Threads().limit(); }

CallThreadCounts CountCallThreads() { return Threads().Counts(); }

}  // namespace ceph_native
