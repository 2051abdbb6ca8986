// Decode attention is a stream over the KV cache (32K keys of a 1.5B model are 33 MB per layer), so the kernel is
// shaped to keep HBM busy: every warp streams its own keys through a private two-batch cp.async ring in shared
// memory (no CTA barriers in the loop), all query heads of the kv group ride along so each K/V row is read once,
// and the grid is one full wave of CTAs over (kv head, head group, key slice).
//
// Inside a warp, D/8 lanes own one key (16-byte chunks, 8 dims each), so a warp reads 2 (D = 128) or 4 (D = 64)
// adjacent rows per step; a lane copies and later reads back exactly its own chunks, so the ring needs no syncs.
// Scores are reduced over the key's lanes with shuffles; the online softmax runs per batch of kBatch steps so
// the accumulators are rescaled once per batch rather than once per key.
#include "decode_attention.h"
#include "bf16_vector.cuh"
#include "../cuda_check.h"
#include <algorithm>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kBatch = 4;           // steps per warp between softmax updates (and per cp.async group)
constexpr int kMaxGroup = 16;       // query heads per kv head
constexpr int kMaxHeadsPerCta = 8;  // larger groups split over CTAs: q and accumulators live in registers
constexpr int kMinSliceKeys = 64;   // below this a slice's fixed costs outweigh its keys
constexpr int kListBlock = 128;     // keys per listed block (sparse decode's key blocks)

__device__ __forceinline__ void copyAsync16(void* smem, const void* gmem, bool valid) {
  const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(gmem), "r"(valid ? 16 : 0) : "memory");
}
// "memory": the compiler must not move shared-memory reads of the ring across the copies and waits.
__device__ __forceinline__ void commitAsync() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void waitAsync() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }

// Keys per slice when `splits` slices cover seqK, in whole CTA steps. Read on the device too (positionDev).
__host__ __device__ __forceinline__ int sliceKeysFor(int seqK, int splits, int granule) {
  int slice = (seqK + splits - 1) / splits;
  slice = slice < kMinSliceKeys ? kMinSliceKeys : slice;
  return (slice + granule - 1) / granule * granule;
}

// GT query heads per CTA (the group's heads [grp * GT, grp * GT + GT), clamped to the group). kListed: the keys are
// the kv head's listed blocks laid end to end (sparse decode); key index k of that run is cache row
// list[k / 128] * 128 + k % 128. The dense instantiation does the same arithmetic in the same order as before.
template <int D, int GT, bool kListed>
__global__ void __launch_bounds__(kThreads) decodeSliceKernel(DecodeAttentionParams p, int groups) {
  constexpr int kLanesPerKey = D / 8, kKeysPerWarp = 32 / kLanesPerKey, kStepKeys = kKeysPerWarp * kWarps;
  // [warp][buffer][step][K or V][lane] 16-byte chunks; reused for the cross-warp merge at the end.
  __shared__ __align__(16) uint4 ring[kWarps][2][kBatch][2][32];
  __shared__ float warpMax[kWarps][GT], warpSum[kWarps][GT];
  static_assert(sizeof(ring) >= sizeof(float) * kWarps * GT * D, "merge scratch must fit in the ring");

  const int split = blockIdx.x, kvHead = blockIdx.y / groups, grp = blockIdx.y % groups;
  const int G = p.heads / p.kvHeads;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int sub = lane / kLanesPerKey, part = lane % kLanesPerKey;
  const int seqK = p.positionDev ? *p.positionDev + 1 : p.seqK;
  int keyCount = seqK;
  const int32_t* list = nullptr;
  if constexpr (kListed) {
    // Every listed block is full except the last (the newest key's), so the run ends exactly at the newest key.
    const int blocks = (seqK + kListBlock - 1) / kListBlock;
    list = p.blockList + int64_t(blockIdx.y / groups) * p.listStride;
    keyCount = p.blockCount[blockIdx.y / groups] * kListBlock - (blocks * kListBlock - seqK);
  }
  auto rowOf = [&](int key) -> int64_t {
    if constexpr (kListed) return int64_t(list[key / kListBlock]) * kListBlock + key % kListBlock;
    else return key;
  };
  const int sliceKeys = sliceKeysFor(keyCount, gridDim.x, kStepKeys);
  const int keyBegin = split * sliceKeys, keyEnd = min(keyBegin + sliceKeys, keyCount);
  auto headOf = [&](int g) { return kvHead * G + grp * GT + g; };
  auto valid = [&](int g) { return grp * GT + g < G; };

  if (keyBegin >= keyEnd) {  // past the end of the cache: an empty slice the merge skips
    if (threadIdx.x < GT && valid(threadIdx.x)) {
      p.partialMax[headOf(threadIdx.x) * p.maxSplits + split] = -INFINITY;
      p.partialSum[headOf(threadIdx.x) * p.maxSplits + split] = 0.f;
    }
    return;
  }

  const float scaleLog2 = p.scale * 1.4426950408889634f;
  float q[GT][8], acc[GT][8], m[GT], l[GT];
  #pragma unroll
  for (int g = 0; g < GT; ++g) {
    const int head = kvHead * G + min(grp * GT + g, G - 1);
    toFloat8(*reinterpret_cast<const uint4*>(p.q + int64_t(head) * D + part * 8), q[g]);
    #pragma unroll
    for (int e = 0; e < 8; ++e) { q[g][e] *= scaleLog2; acc[g][e] = 0.f; }
    m[g] = -INFINITY;
    l[g] = 0.f;
  }

  const __nv_bfloat16* kHead = p.kCache + int64_t(kvHead) * p.capacity * D + part * 8;
  const __nv_bfloat16* vHead = p.vCache + int64_t(kvHead) * p.capacity * D + part * 8;
  const int steps = (keyEnd - keyBegin + kStepKeys - 1) / kStepKeys;
  const int batches = (steps + kBatch - 1) / kBatch;
  // Warps interleave by step, so the CTA reads one contiguous run of rows at a time.
  auto keyAt = [&](int batch, int j) { return keyBegin + ((batch * kBatch + j) * kWarps + warp) * kKeysPerWarp + sub; };
  auto issue = [&](int batch) {
    #pragma unroll
    for (int j = 0; j < kBatch; ++j) {
      const int key = keyAt(batch, j);
      const bool in = key < keyEnd;
      const int64_t row = rowOf(in ? key : keyBegin);  // a valid address; zero-filled when not `in`
      copyAsync16(&ring[warp][batch & 1][j][0][lane], kHead + row * D, in);
      copyAsync16(&ring[warp][batch & 1][j][1][lane], vHead + row * D, in);
    }
    commitAsync();
  };

  issue(0);
  for (int b = 0; b < batches; ++b) {
    if (b + 1 < batches) issue(b + 1);
    else commitAsync();  // an empty group keeps the wait count uniform
    waitAsync<1>();
    float s[kBatch][GT];
    #pragma unroll
    for (int j = 0; j < kBatch; ++j) {
      float k[8];
      toFloat8(ring[warp][b & 1][j][0][lane], k);
      #pragma unroll
      for (int g = 0; g < GT; ++g) {
        float dot = 0.f;
        #pragma unroll
        for (int e = 0; e < 8; ++e) dot = fmaf(q[g][e], k[e], dot);
        s[j][g] = dot;
      }
    }
    #pragma unroll
    for (int j = 0; j < kBatch; ++j) {
      const bool in = keyAt(b, j) < keyEnd;
      #pragma unroll
      for (int g = 0; g < GT; ++g) {
        #pragma unroll
        for (int o = kLanesPerKey / 2; o > 0; o >>= 1) s[j][g] += __shfl_xor_sync(0xffffffffu, s[j][g], o);
        if (!in) s[j][g] = -INFINITY;
      }
    }
    #pragma unroll
    for (int g = 0; g < GT; ++g) {
      float top = m[g];
      #pragma unroll
      for (int j = 0; j < kBatch; ++j) top = fmaxf(top, s[j][g]);
      const float base = top == -INFINITY ? 0.f : top;  // no key yet: every weight stays 0
      const float corr = exp2f(m[g] - base);
      l[g] *= corr;
      #pragma unroll
      for (int e = 0; e < 8; ++e) acc[g][e] *= corr;
      #pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        s[j][g] = exp2f(s[j][g] - base);
        l[g] += s[j][g];
      }
      m[g] = top;
    }
    #pragma unroll
    for (int j = 0; j < kBatch; ++j) {
      float v[8];
      toFloat8(ring[warp][b & 1][j][1][lane], v);
      #pragma unroll
      for (int g = 0; g < GT; ++g)
        #pragma unroll
        for (int e = 0; e < 8; ++e) acc[g][e] = fmaf(s[j][g], v[e], acc[g][e]);
    }
  }
  waitAsync<0>();

  // The warp's key subsets (lanes `sub`) merge with shuffles; lanes of sub 0 then hold the warp's result.
  #pragma unroll
  for (int o = kLanesPerKey; o < 32; o <<= 1) {
    #pragma unroll
    for (int g = 0; g < GT; ++g) {
      const float mo = __shfl_xor_sync(0xffffffffu, m[g], o), lo = __shfl_xor_sync(0xffffffffu, l[g], o);
      const float top = fmaxf(m[g], mo);
      const float wa = m[g] == -INFINITY ? 0.f : exp2f(m[g] - top), wb = mo == -INFINITY ? 0.f : exp2f(mo - top);
      l[g] = l[g] * wa + lo * wb;
      #pragma unroll
      for (int e = 0; e < 8; ++e) acc[g][e] = acc[g][e] * wa + __shfl_xor_sync(0xffffffffu, acc[g][e], o) * wb;
      m[g] = top;
    }
  }
  __syncthreads();  // every warp is done with its ring
  float* warpAcc = reinterpret_cast<float*>(ring);  // [kWarps][GT][D]
  if (sub == 0) {
    #pragma unroll
    for (int g = 0; g < GT; ++g) {
      float4* dst = reinterpret_cast<float4*>(warpAcc + (warp * GT + g) * D + part * 8);
      dst[0] = make_float4(acc[g][0], acc[g][1], acc[g][2], acc[g][3]);
      dst[1] = make_float4(acc[g][4], acc[g][5], acc[g][6], acc[g][7]);
    }
  }
  if (lane == 0) {
    #pragma unroll
    for (int g = 0; g < GT; ++g) { warpMax[warp][g] = m[g]; warpSum[warp][g] = l[g]; }
  }
  __syncthreads();
  for (int item = threadIdx.x; item < GT * D; item += kThreads) {
    const int g = item / D, d = item % D;
    if (!valid(g)) break;  // items are in head order
    float top = -INFINITY;
    #pragma unroll
    for (int w = 0; w < kWarps; ++w) top = fmaxf(top, warpMax[w][g]);
    float o = 0.f, sum = 0.f;
    #pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const float wt = warpMax[w][g] == -INFINITY ? 0.f : exp2f(warpMax[w][g] - top);
      o += warpAcc[(w * GT + g) * D + d] * wt;
      sum += warpSum[w][g] * wt;
    }
    const int64_t slot = int64_t(headOf(g)) * p.maxSplits + split;
    p.partialOut[slot * D + d] = o;
    if (d == 0) { p.partialMax[slot] = top; p.partialSum[slot] = sum; }
  }
}

// Grid (D / 32, heads): each warp folds a strided subset of the slices for 32 dims (coalesced 128-byte rows),
// then the CTA's warps add up through shared memory. Splitting over slices keeps a 200-slice merge short.
constexpr int kMergeWarps = 8;
__global__ void __launch_bounds__(kMergeWarps * 32) decodeMergeKernel(DecodeAttentionParams p, int splits) {
  __shared__ float partO[kMergeWarps][32], partL[kMergeWarps];
  const int head = blockIdx.y, warp = threadIdx.x >> 5, lane = threadIdx.x & 31, D = p.headDim;
  const int d = blockIdx.x * 32 + lane;
  const float* m = p.partialMax + int64_t(head) * p.maxSplits;
  const float* l = p.partialSum + int64_t(head) * p.maxSplits;
  float top = -INFINITY;
  for (int s = lane; s < splits; s += 32) top = fmaxf(top, m[s]);
  for (int o = 16; o > 0; o >>= 1) top = fmaxf(top, __shfl_xor_sync(0xffffffffu, top, o));
  float out = 0.f, sum = 0.f;
  // Loads are unconditional (every slot is a valid address) so the unrolled loop issues them together; empty
  // slices are selected away, never multiplied (their partial outputs are stale).
  #pragma unroll 4
  for (int s = warp; s < splits; s += kMergeWarps) {
    const float ms = m[s], ls = l[s], v = p.partialOut[(int64_t(head) * p.maxSplits + s) * D + d];
    const bool live = ms != -INFINITY;
    const float w = live ? exp2f(ms - top) : 0.f;
    sum += live ? ls * w : 0.f;
    out += live ? v * w : 0.f;
  }
  partO[warp][lane] = out;
  if (lane == 0) partL[warp] = sum;
  __syncthreads();
  if (warp != 0) return;
  out = 0.f;
  sum = 0.f;
  #pragma unroll
  for (int w = 0; w < kMergeWarps; ++w) { out += partO[w][lane]; sum += partL[w]; }
  p.out[int64_t(head) * D + d] = __float2bfloat16_rn(sum > 0.f ? out / sum : 0.f);
}

template <int D, int GT, bool kListed>
void launchSlicesOf(const DecodeAttentionParams& p, int groups, int seqKForGrid, cudaStream_t stream) {
  // One full wave: as many CTAs as fit on the GPU at once (queried once per instantiation).
  static const int perSm = [] {
    int n = 0;
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, decodeSliceKernel<D, GT, kListed>, kThreads, 0);
    return std::max(1, n);
  }();
  const int wave = std::max(1, perSm * p.smCount / (p.kvHeads * groups));
  const int needed = (seqKForGrid + kMinSliceKeys - 1) / kMinSliceKeys;
  const int splits = std::max(1, std::min({wave, needed, p.maxSplits}));
  decodeSliceKernel<D, GT, kListed><<<dim3(splits, p.kvHeads * groups), kThreads, 0, stream>>>(p, groups);
  checkLaunch("the decode attention kernel");
  decodeMergeKernel<<<dim3(D / 32, p.heads), kMergeWarps * 32, 0, stream>>>(p, splits);
  checkLaunch("the decode merge kernel");
}

template <int D, int GT>
void launchSlices(const DecodeAttentionParams& p, int groups, int seqKForGrid, cudaStream_t stream) {
  if (p.blockList) launchSlicesOf<D, GT, true>(p, groups, seqKForGrid, stream);
  else launchSlicesOf<D, GT, false>(p, groups, seqKForGrid, stream);
}

template <int D>
void launchForDim(const DecodeAttentionParams& p, int groups, int perCta, int seqKForGrid, cudaStream_t stream) {
  switch (perCta) {
    case 1: return launchSlices<D, 1>(p, groups, seqKForGrid, stream);
    case 2: return launchSlices<D, 2>(p, groups, seqKForGrid, stream);
    case 3: return launchSlices<D, 3>(p, groups, seqKForGrid, stream);
    case 4: return launchSlices<D, 4>(p, groups, seqKForGrid, stream);
    case 5: return launchSlices<D, 5>(p, groups, seqKForGrid, stream);
    case 6: return launchSlices<D, 6>(p, groups, seqKForGrid, stream);
    case 7: return launchSlices<D, 7>(p, groups, seqKForGrid, stream);
    default: return launchSlices<D, 8>(p, groups, seqKForGrid, stream);
  }
}

}  // namespace

void launchDecodeAttention(const DecodeAttentionParams& p, cudaStream_t stream) {
  if (p.kvHeads <= 0 || p.heads % p.kvHeads || p.heads / p.kvHeads > kMaxGroup)
    throw std::runtime_error("CUDA decode attention: " + std::to_string(p.heads) + " query heads over " +
                             std::to_string(p.kvHeads) + " kv heads is not supported (at most " +
                             std::to_string(kMaxGroup) + " per kv head); use device 'cpu'.");
  if (p.headDim != 64 && p.headDim != 128)
    throw std::runtime_error("CUDA decode attention supports head dims 64 and 128; got " + std::to_string(p.headDim) + ".");
  if (!p.positionDev && p.seqK <= 0) return;
  const int G = p.heads / p.kvHeads;
  const int groups = (G + kMaxHeadsPerCta - 1) / kMaxHeadsPerCta, perCta = (G + groups - 1) / groups;
  // With positionDev the grid is sized for the whole cache; the device spreads the actual keys over it.
  const int seqKForGrid = p.positionDev ? p.capacity : p.seqK;
  if (p.headDim == 128) launchForDim<128>(p, groups, perCta, seqKForGrid, stream);
  else launchForDim<64>(p, groups, perCta, seqKForGrid, stream);
}

}  // namespace unisparse::cuda
