// Where a prefill's GPU time goes, by phase (UNISPARSE_GPU_PHASES=1): an event is recorded on the model's stream
// at each phase change, and the time between two events goes to the phase that was running. Off by default: the
// events cost a few microseconds each and a sync per forward call. Printed to stderr when the model is freed.
#pragma once
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace unisparse::cuda {

class PhaseClock {
 public:
  PhaseClock() {
    const char* on = std::getenv("UNISPARSE_GPU_PHASES");
    enabled_ = on && std::atoi(on) != 0;
  }
  ~PhaseClock() {
    if (!enabled_) return;
    for (auto& m : marks_) cudaEventDestroy(m.event);
    double total = 0;
    for (const auto& [name, ms] : totals_) total += ms;
    if (total <= 0) return;
    std::fprintf(stderr, "unisparse: GPU time by phase (ms, share):");
    for (const auto& [name, ms] : totals_) std::fprintf(stderr, " %s %.1f (%.0f%%);", name.c_str(), ms, 100 * ms / total);
    std::fprintf(stderr, " total %.1f\n", total);
  }
  PhaseClock(const PhaseClock&) = delete;
  PhaseClock& operator=(const PhaseClock&) = delete;

  bool enabled() const { return enabled_ && !paused_; }
  // Not while a CUDA graph is being captured: event records would become graph nodes.
  void pause(bool paused) { paused_ = paused; }

  // Phases are named "<scope>: <phase>" (prefill and decode steps apart).
  void scope(const char* name) { scope_ = name; }

  // From here on the stream runs `phase`.
  void enter(cudaStream_t stream, const char* phase) {
    if (!enabled()) return;
    cudaEvent_t e;
    cudaEventCreate(&e);
    cudaEventRecord(e, stream);
    marks_.push_back({e, scope_ + ": " + phase});
  }

  // Waits for the stream and adds the time between marks to their phases.
  void settle(cudaStream_t stream) {
    if (!enabled() || marks_.empty()) return;
    enter(stream, "");
    cudaEventSynchronize(marks_.back().event);
    for (size_t i = 0; i + 1 < marks_.size(); ++i) {
      float ms = 0;
      cudaEventElapsedTime(&ms, marks_[i].event, marks_[i + 1].event);
      totals_[marks_[i].phase] += ms;
    }
    for (auto& m : marks_) cudaEventDestroy(m.event);
    marks_.clear();
  }

 private:
  struct Mark { cudaEvent_t event; std::string phase; };
  bool enabled_ = false, paused_ = false;
  std::string scope_ = "prefill";
  std::vector<Mark> marks_;
  std::map<std::string, double> totals_;
};

}  // namespace unisparse::cuda
