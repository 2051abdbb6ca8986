// An owned, typed GPU allocation: freed on destruction, so every error path of the model runtime releases
// its memory. Sizes are counted so the runtime can report what it holds on the device.
#pragma once
#include <cuda_runtime.h>
#include <cstddef>
#include <utility>

#include "../cuda_check.h"

namespace unisparse::cuda {

template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(size_t count, const char* what) { allocate(count, what); }
  ~DeviceArray() { release(); }
  DeviceArray(DeviceArray&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    if (this != &o) { release(); ptr_ = std::exchange(o.ptr_, nullptr); count_ = std::exchange(o.count_, 0); }
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  void allocate(size_t count, const char* what) {
    release();
    check(cudaMalloc(reinterpret_cast<void**>(&ptr_), (count ? count : 1) * sizeof(T)), what);
    count_ = count;
  }
  // Grows (never shrinks) scratch that is reused across calls; contents are not kept.
  void reserve(size_t count, const char* what) { if (count > count_) allocate(count, what); }
  void release() {
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    count_ = 0;
  }
  T* get() const { return ptr_; }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }
  bool empty() const { return count_ == 0; }

 private:
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

}  // namespace unisparse::cuda
