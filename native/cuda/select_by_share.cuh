// The selection rule shared by the row selection and the last-block check: candidates sorted by (share
// descending, index ascending) packed into one 64-bit key (bitonic sort in shared memory), then an exclusive
// prefix sum of the sorted shares; candidate i is taken while base + the shares before it stay under tau. This is
// the CPU planner's sequential rule, computed by a whole CTA.
#pragma once
#include <cuda_runtime.h>

namespace unisparse::cuda {

constexpr int kSelectThreads = 256;

__device__ __forceinline__ float cleanShare(float a) { return a > 0.f ? a : 0.f; }  // NaN and negatives -> 0

__device__ __forceinline__ float sortedShare(unsigned long long key) {
  return __uint_as_float(~(unsigned int)(key >> 32));
}

// Neighbour expansion (block_selection.h): a block taken with at least `neighbourShare` of the estimate keeps the
// blocks on either side. `key` is a sorted candidate (1 <= block <= last - 1), so both neighbours are causal.
__device__ __forceinline__ void keepNeighbours(unsigned long long key, float neighbourShare, int maxBlocks,
                                               unsigned char* keep) {
  if (neighbourShare > 0.f && maxBlocks <= 0 && sortedShare(key) >= neighbourShare) {
    const int b = (int)(unsigned int)key;
    keep[b - 1] = 1;
    keep[b + 1] = 1;
  }
}

// Sorts candidates a[first .. first + n) into keys[0 .. n) (the index is the low 32 bits). keys holds
// nextpow2(n) entries. Called by all kSelectThreads threads; ends with a barrier.
__device__ inline void sortByShare(const float* a, int first, int n, unsigned long long* keys) {
  const int tid = threadIdx.x;
  int size2 = 1;
  while (size2 < n) size2 <<= 1;
  for (int i = tid; i < size2; i += kSelectThreads) {
    if (i < n) {
      const int idx = first + i;
      keys[i] = ((unsigned long long)(~__float_as_uint(cleanShare(a[idx]))) << 32) | (unsigned int)idx;
    } else {
      keys[i] = ~0ull;
    }
  }
  __syncthreads();
  for (int size = 2; size <= size2; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      for (int i = tid; i < size2; i += kSelectThreads) {
        const int partner = i ^ stride;
        if (partner > i) {
          const bool ascending = (i & size) == 0;
          const unsigned long long x = keys[i], y = keys[partner];
          if ((x > y) == ascending) { keys[i] = y; keys[partner] = x; }
        }
      }
      __syncthreads();
    }
  }
}

// How many sorted candidates are taken: those whose exclusive prefix (plus base) is below tau. Every thread
// gets the count. Called by all kSelectThreads threads.
__device__ inline int countBelowTau(const unsigned long long* keys, int n, float base, float tau) {
  __shared__ float threadTotals[kSelectThreads];
  __shared__ int warpCounts[kSelectThreads / 32];
  __shared__ int total;
  const int tid = threadIdx.x;
  const int per = (n + kSelectThreads - 1) / kSelectThreads;
  const int lo = min(tid * per, n), hi = min(lo + per, n);
  float local = 0.f;
  for (int i = lo; i < hi; ++i) local += sortedShare(keys[i]);
  threadTotals[tid] = local;
  __syncthreads();
  if (tid == 0) {
    float run = 0.f;
    for (int t = 0; t < kSelectThreads; ++t) { const float x = threadTotals[t]; threadTotals[t] = run; run += x; }
  }
  __syncthreads();
  float before = threadTotals[tid];
  int count = 0;
  for (int i = lo; i < hi; ++i) {
    if (base + before < tau) ++count;
    before += sortedShare(keys[i]);
  }
  for (int off = 16; off > 0; off >>= 1) count += __shfl_xor_sync(0xffffffffu, count, off);
  if ((tid & 31) == 0) warpCounts[tid >> 5] = count;
  __syncthreads();
  if (tid == 0) {
    int r = 0;
    for (int w = 0; w < kSelectThreads / 32; ++w) r += warpCounts[w];
    total = r;
  }
  __syncthreads();
  const int result = total;
  __syncthreads();  // total may be rewritten by the next call
  return result;
}

}  // namespace unisparse::cuda
