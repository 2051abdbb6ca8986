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

__device__ __forceinline__ unsigned long long shareKey(float share, int index) {
  return ((unsigned long long)(~__float_as_uint(share)) << 32) | (unsigned int)index;
}

// Sorts keys[0 .. n) ascending, i.e. by (share descending, index ascending); keys holds nextpow2(n) entries, the
// ones past n are filled here. Called by all kSelectThreads threads; ends with a barrier.
__device__ inline void sortKeys(unsigned long long* keys, int n) {
  const int tid = threadIdx.x;
  int size2 = 1;
  while (size2 < n) size2 <<= 1;
  for (int i = n + tid; i < size2; i += kSelectThreads) keys[i] = ~0ull;
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

// Sorts candidates a[first .. first + n) into keys[0 .. n) (the index is the low 32 bits). keys holds
// nextpow2(n) entries. Called by all kSelectThreads threads; ends with a barrier.
__device__ inline void sortByShare(const float* a, int first, int n, unsigned long long* keys) {
  for (int i = threadIdx.x; i < n; i += kSelectThreads) keys[i] = shareKey(cleanShare(a[first + i]), first + i);
  sortKeys(keys, n);
}

// The candidates that can matter to the tau rule, sorted into keys[0 .. m); returns m. The rule drops a candidate
// when it and every candidate sorted after it sum to at most slack = base + total - tau. The candidates below
// slack / 2n are such a tail (all n of them together hold at most half the slack), so they are left out before
// the sort: at tau 0.95 that is most of a long row, and the sort was most of the selection's time. The half keeps
// the cut clear of the rounding in the sums. Called by all kSelectThreads threads; ends with a barrier.
__device__ inline int sortTauContenders(const float* a, int first, int n, float base, float tau,
                                        unsigned long long* keys) {
  __shared__ float warpTotals[kSelectThreads / 32];
  __shared__ int contenders;
  const int tid = threadIdx.x;
  float local = 0.f;
  for (int i = tid; i < n; i += kSelectThreads) local += cleanShare(a[first + i]);
  for (int off = 16; off > 0; off >>= 1) local += __shfl_xor_sync(0xffffffffu, local, off);
  if ((tid & 31) == 0) warpTotals[tid >> 5] = local;
  if (tid == 0) contenders = 0;
  __syncthreads();
  float total = 0.f;
  for (int w = 0; w < kSelectThreads / 32; ++w) total += warpTotals[w];  // the same order in every thread
  const float slack = base + total - tau;
  const float cut = slack > 0.f ? slack / (2.f * float(n)) : 0.f;
  for (int i = tid; i < n; i += kSelectThreads) {
    const float x = cleanShare(a[first + i]);
    if (x >= cut) keys[atomicAdd(&contenders, 1)] = shareKey(x, first + i);  // any order: sorted next
  }
  __syncthreads();
  const int m = contenders;
  sortKeys(keys, m);  // its first barrier also orders the read of contenders before any later reset
  return m;
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
