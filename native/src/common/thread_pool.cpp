#include "thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define UNISPARSE_PAUSE() _mm_pause()
#else
#define UNISPARSE_PAUSE() std::this_thread::yield()
#endif

namespace unisparse {

// How long a worker spins for the next job before sleeping: ~2000 pause instructions, tens of microseconds,
// enough to bridge the gap between the matmuls of one layer without burning a shared core for long.
static constexpr int kSpinIterations = 2000;
static constexpr int kIndexBits = 20;
static constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
static constexpr int kMaxTasks = int(kIndexMask);

static inline uint64_t generationOf(uint64_t s) { return s >> (2 * kIndexBits); }
static inline int countOf(uint64_t s) { return int((s >> kIndexBits) & kIndexMask); }
static inline int indexOf(uint64_t s) { return int(s & kIndexMask); }

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = int(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { workerLoop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

ThreadPool& ThreadPool::shared() {
  static ThreadPool pool(0);
  return pool;
}

// Claims and runs tasks of `generation` until none are left or a newer job replaced it.
void ThreadPool::runTasks(uint64_t generation, int thread) {
  uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (generationOf(s) != generation || indexOf(s) >= countOf(s)) return;
    if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    // The claimed task is not done, so the caller is still inside this job and fn_ is this job's.
    (*fn_.load(std::memory_order_acquire))(indexOf(s), thread);
    doneTasks_.fetch_add(1, std::memory_order_acq_rel);
    s = state_.load(std::memory_order_acquire);
  }
}

void ThreadPool::parallelFor(int nTasks, const std::function<void(int, int)>& fn) {
  if (nTasks <= 0) return;
  if (workers_.empty() || nTasks == 1) {
    for (int t = 0; t < nTasks; ++t) fn(t, 0);
    return;
  }
  for (int first = 0; first < nTasks; first += kMaxTasks) {  // huge task counts run as several jobs
    const int count = std::min(kMaxTasks, nTasks - first);
    const std::function<void(int, int)> shifted = [&](int t, int th) { fn(first + t, th); };
    const std::function<void(int, int)>& job = first == 0 && count == nTasks ? fn : shifted;
    fn_.store(&job, std::memory_order_release);
    doneTasks_.store(0, std::memory_order_release);
    const uint64_t generation = (generationOf(state_.load(std::memory_order_relaxed)) + 1) & ((uint64_t(1) << 24) - 1);
    state_.store((generation << (2 * kIndexBits)) | (uint64_t(count) << kIndexBits), std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex_);  // a worker between its check and its wait cannot miss this
    }
    wake_.notify_all();
    runTasks(generation, 0);
    // Only tasks a worker already claimed are waited for; they are running, so this wait is short.
    for (int spins = 0; doneTasks_.load(std::memory_order_acquire) < count; ++spins) {
      if (spins < kSpinIterations) UNISPARSE_PAUSE(); else std::this_thread::yield();
    }
  }
}

void ThreadPool::workerLoop(int thread) {
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    uint64_t s = state_.load(std::memory_order_acquire);
    while (generationOf(s) == seen && spins < kSpinIterations) {
      UNISPARSE_PAUSE();
      ++spins;
      s = state_.load(std::memory_order_acquire);
    }
    if (generationOf(s) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generationOf(state_.load(std::memory_order_acquire)) != seen; });
      if (stop_) return;
      s = state_.load(std::memory_order_acquire);
    }
    seen = generationOf(s);
    runTasks(seen, thread);
  }
}

}  // namespace unisparse
