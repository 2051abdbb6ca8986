// A small fork-join thread pool for the CPU kernels. parallelFor hands out task indices to the workers and
// the calling thread; workers spin briefly before sleeping because decode issues hundreds of short jobs per
// token and a condition-variable wake-up per job would cost more than the job. The caller never waits for a
// worker that has not started: on a busy machine a descheduled worker simply gets no tasks, so oversubscribed
// cores slow a job down to the single-thread speed, not below it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace unisparse {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // total threads including the caller; <= 0 means hardware_concurrency
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(workers_.size()) + 1; }

  // Runs fn(task, thread) for every task in [0, nTasks), thread in [0, size()). Returns when all are done.
  // Not reentrant: call it from one thread at a time (the model serialises its evals).
  void parallelFor(int nTasks, const std::function<void(int task, int thread)>& fn);

  // A process-wide pool sized to the machine, for callers without their own (e.g. the attention binding).
  static ThreadPool& shared();

 private:
  void workerLoop(int thread);
  void runTasks(uint64_t generation, int thread);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  // One word holds the job generation (high 24 bits), its task count (20 bits) and the next task index
  // (20 bits), so claiming a task with compare-and-swap also proves the job is still the current one.
  std::atomic<uint64_t> state_{0};
  std::atomic<int> doneTasks_{0};
  std::atomic<const std::function<void(int, int)>*> fn_{nullptr};
  bool stop_ = false;
};

}  // namespace unisparse
