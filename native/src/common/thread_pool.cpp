#include "thread_pool.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define UNISPARSE_PAUSE() _mm_pause()
#else
#define UNISPARSE_PAUSE() std::this_thread::yield()
#endif

namespace unisparse {

// How long a worker spins for the next job before sleeping (iterations of a pause instruction, ~30-50 us).
static constexpr int kSpinIterations = 20000;

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = int(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { workerLoop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

ThreadPool& ThreadPool::shared() {
  static ThreadPool pool(0);
  return pool;
}

void ThreadPool::runTasks(int thread) {
  for (;;) {
    const int task = nextTask_.fetch_add(1, std::memory_order_relaxed);
    if (task >= nTasks_) break;
    (*fn_)(task, thread);
  }
}

void ThreadPool::parallelFor(int nTasks, const std::function<void(int, int)>& fn) {
  if (nTasks <= 0) return;
  if (workers_.empty() || nTasks == 1) {
    for (int t = 0; t < nTasks; ++t) fn(t, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = &fn;
    nTasks_ = nTasks;
    nextTask_.store(0, std::memory_order_relaxed);
    finishedWorkers_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  runTasks(0);
  // Every worker checks in before we return, so none can still be reading fn_ when the next job starts.
  const int expected = int(workers_.size());
  int spins = 0;
  while (finishedWorkers_.load(std::memory_order_acquire) < expected) {
    if (++spins < kSpinIterations) UNISPARSE_PAUSE(); else std::this_thread::yield();
  }
}

void ThreadPool::workerLoop(int thread) {
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinIterations) {
      UNISPARSE_PAUSE();
      ++spins;
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);  // pairs with the writer: fn_ and nTasks_ are complete
      seen = generation_.load(std::memory_order_acquire);
      if (stop_) return;
    }
    runTasks(thread);
    finishedWorkers_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace unisparse
