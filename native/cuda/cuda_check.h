// Turns CUDA status codes into std::runtime_error sentences that name the step that failed.
#pragma once
#include <cuda_runtime.h>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {

inline void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  std::string msg = std::string("CUDA error while ") + what + ": " + cudaGetErrorString(status);
  if (status == cudaErrorMemoryAllocation)
    msg += ". The GPU is out of memory: shorten the context, use fewer heads per call, or run with device 'cpu'.";
  cudaGetLastError();  // clear a sticky launch error so the next call can run
  throw std::runtime_error(msg);
}

// Checks the launch just issued (bad configuration, missing kernel image for this GPU).
inline void checkLaunch(const char* kernel) { check(cudaGetLastError(), (std::string("launching ") + kernel).c_str()); }

}  // namespace unisparse::cuda
