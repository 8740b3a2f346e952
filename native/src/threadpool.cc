#include "threadpool.h"

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace ceph_native {

namespace {

struct Task {
  std::function<void()> call, then;
  std::function<void(const std::string&)> refuse;
};

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
    // Queued first: the new thread takes it, or a running one that comes free sooner.
    waiting_.push_back(std::move(task));
    if (started_ >= limit_) return;
    ++started_;
    lock.unlock();
    try {
      std::thread([this] { Loop(); }).detach();
    } catch (const std::system_error& e) {
      lock.lock();
      // A running thread takes the waiting tasks as it comes free (it looks before parking). With
      // none running, none ever would: they are refused, ours and any other caller queued
      // while its own start was failing too.
      if (--started_ > 0) return;
      std::deque<Task> refused;
      refused.swap(waiting_);
      lock.unlock();
      for (Task& t : refused) t.refuse(e.what());
    }
  }

  CallThreadCounts Counts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {started_, static_cast<int>(idle_.size()), limit_};
  }

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

  // A thread starts with the oldest waiting task (none if a running thread took it first). It runs
  // a task, then takes the oldest waiting one or parks itself on top of the idle stack, and only
  // then runs the task's `then`. Threads are never stopped: the pool lives as long as the process
  // (it is never destroyed, so no static destructor can pull it from under a thread still in a
  // call at exit).
  void Loop() {
    Slot slot;
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (waiting_.empty()) {
        idle_.push_back(&slot);
        slot.wake.wait(lock, [&slot] { return slot.has_task; });
        task = std::move(slot.task);
        slot.has_task = false;
      } else {
        task = std::move(waiting_.front());
        waiting_.pop_front();
      }
    }
    for (;;) {
      task.call();
      std::unique_lock<std::mutex> lock(mutex_);
      if (!waiting_.empty()) {
        Task next = std::move(waiting_.front());
        waiting_.pop_front();
        lock.unlock();
        task.then();
        task = std::move(next);
        continue;
      }
      idle_.push_back(&slot);
      lock.unlock();
      task.then();
      // What the task holds goes now, not when the next one arrives, and outside the lock: a
      // release it holds the last reference to may queue another (RunInBackground).
      task = Task();
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

void RunOnCallThread(std::function<void()> task, std::function<void()> then,
                     std::function<void(const std::string& why)> refuse) {
  Threads().Run({std::move(task), std::move(then), std::move(refuse)});
}

void RunInBackground(std::function<void()> task) {
  auto shared = std::make_shared<std::function<void()>>(std::move(task));
  Threads().Run({[shared] { (*shared)(); }, [] {}, [shared](const std::string&) { (*shared)(); }});
}

CallThreadCounts CountCallThreads() { return Threads().Counts(); }

}  // namespace ceph_native
