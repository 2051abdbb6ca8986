// Page-locked host memory that grows on demand: device-to-host copies into it are truly asynchronous, so many
// small copies (a prefill chunk's plans) queue behind one another and cost one wait instead of one each.
#pragma once
#include <cuda_runtime.h>
#include <cstddef>

#include "../cuda_check.h"

namespace unisparse::cuda {

class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  ~PinnedBuffer() { if (ptr_) cudaFreeHost(ptr_); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  // At least `bytes`; contents are not kept when it grows.
  void* reserve(size_t bytes, const char* what) {
    if (bytes > bytes_) {
      if (ptr_) cudaFreeHost(ptr_);
      ptr_ = nullptr;
      bytes_ = 0;
      const size_t grown = bytes + bytes / 2;
      check(cudaHostAlloc(&ptr_, grown, cudaHostAllocDefault), what);
      bytes_ = grown;
    }
    return ptr_;
  }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace unisparse::cuda
