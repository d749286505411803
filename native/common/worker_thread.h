// One native thread that runs posted tasks in order. NativeEngine runs every Engine and
// Context call on its own WorkerThread (see the threading invariant in strategy_loop.h).
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

namespace vramgate {

class WorkerThread {
 public:
  WorkerThread() : thread_([this] { Loop(); }) {}
  ~WorkerThread() { Join(); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Runs task on the worker after the tasks posted before it. Tasks posted after Join()
  // are dropped.
  void Post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  // Runs f on the worker and waits for it; rethrows what f threw on the calling thread.
  template <typename F>
  auto Call(F f) -> decltype(f()) {
    using R = decltype(f());
    auto done = std::make_shared<std::promise<R>>();
    std::future<R> result = done->get_future();
    Post([done, f = std::move(f)]() mutable {
      try {
        if constexpr (std::is_void_v<R>) {
          f();
          done->set_value();
        } else {
          done->set_value(f());
        }
      } catch (...) {
        done->set_exception(std::current_exception());
      }
    });
    return result.get();
  }

  // Finishes the queued tasks, then ends the thread. Idempotent.
  void Join() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: started after the members it uses exist
};

}  // namespace vramgate
