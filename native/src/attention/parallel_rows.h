// A minimal work-sharing loop for the attention kernels: a fresh std::thread team per call, tasks pulled from
// one atomic counter. Causal rows differ in cost by up to nBlocks times, so static splits would leave a core
// idle; pulling tasks one at a time balances them. Spawning costs tens of microseconds, so small problems run
// on the calling thread.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace unisparse::detail {

inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? int(hw) : 1;
}

// Calls worker(take) on up to `threads` threads, where take(int64_t& task) hands out the next task index and
// returns false when none are left. Each worker owns its scratch buffers for the whole call.
// An exception thrown by a worker (bad_alloc) is rethrown on the calling thread.
template <class Worker>
void run_parallel(int64_t nTasks, int threads, int64_t workPerTask, Worker worker) {
  std::atomic<int64_t> next{0};
  auto take = [&](int64_t& task) {
    task = next.fetch_add(1, std::memory_order_relaxed);
    return task < nTasks;
  };
  // Below ~2M multiply-adds in total a second thread costs more than it saves.
  const int64_t totalWork = nTasks * std::max<int64_t>(workPerTask, 1);
  int team = int(std::min<int64_t>(resolve_threads(threads), nTasks));
  if (totalWork < (int64_t(1) << 21)) team = 1;
  if (team <= 1) {
    worker(take);
    return;
  }
  std::exception_ptr failure;
  std::mutex failureLock;
  auto guarded = [&]() {
    try {
      worker(take);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failureLock);
      if (!failure) failure = std::current_exception();
      next.store(nTasks);  // stop handing out work
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(team - 1);
  for (int t = 1; t < team; ++t) helpers.emplace_back(guarded);
  guarded();
  for (auto& h : helpers) h.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace unisparse::detail
