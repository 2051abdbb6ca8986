// One kernel per layer and step, graph-capturable: CTAs over (group of 32 blocks, kv head) score their blocks
// against every query head of the group and write each head's partial maximum; the last CTA of a kv head to
// arrive (an atomic count, after a fence) takes the maxima and writes the ascending list of kept blocks. One CTA
// per kv head would read 0.5 MB of means per layer at 128K tokens from a single SM, slower than it saves.
#include "decode_block_select.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "../cuda_check.h"
#include "key_block_mean.cuh"

namespace unisparse::cuda {
namespace {

constexpr int kThreads = kKeyMeanThreads;  // the CTA that owns the new token's block also refreshes its mean
constexpr int kWarps = kThreads / 32;
constexpr int kBlocksPerCta = 32;
constexpr int kMaxGroup = 16;  // query heads per kv head, as decode attention allows

template <int D>
__global__ void __launch_bounds__(kThreads) decodeBlockSelectKernel(DecodeBlockSelectParams p) {
  constexpr int kDimsPerLane = D / 32;
  __shared__ KeyMeanScratch<D> meanScratch;
  __shared__ float qs[kMaxGroup][D];
  __shared__ float warpMax[kWarps][kMaxGroup];
  __shared__ float rowMax[kMaxGroup];
  __shared__ int warpCounts[kWarps];
  __shared__ bool last;

  const int part = int(blockIdx.x), kvHead = int(blockIdx.y), G = p.heads / p.kvHeads;
  const int warp = int(threadIdx.x) >> 5, lane = int(threadIdx.x) & 31;
  const int seqK = p.positionDev ? *p.positionDev + 1 : p.seqK;
  const int nB = keyBlocksOf(seqK), capBlocks = keyBlocksOf(p.capacity), parts = int(gridDim.x);
  const int first = part * kBlocksPerCta, end = min(first + kBlocksPerCta, nB);
  float* meansHead = p.means + int64_t(kvHead) * capBlocks * D;

  if (first < end) {
    const int newest = nB - 1;  // the block the step's key went into: its mean must include that key
    if (newest >= first && newest < end)
      keyBlockMean<D>(p.kCache + int64_t(kvHead) * p.capacity * D, newest * kKeyBlock, seqK,
                      meansHead + int64_t(newest) * D, meanScratch);
    for (int i = int(threadIdx.x); i < G * D; i += kThreads)
      qs[i / D][i % D] = __bfloat162float(p.q[int64_t(kvHead * G + i / D) * D + i % D]) * p.scale;
    __syncthreads();
    float top[kMaxGroup];
#pragma unroll
    for (int h = 0; h < kMaxGroup; ++h) top[h] = -INFINITY;
    // A warp per block: each lane holds D/32 dims of the mean, the dot products meet by shuffles.
    for (int b = first + warp; b < end; b += kWarps) {
      float m[kDimsPerLane];
#pragma unroll
      for (int e = 0; e < kDimsPerLane; ++e) m[e] = meansHead[int64_t(b) * D + lane * kDimsPerLane + e];
      const int count = min(kKeyBlock, seqK - b * kKeyBlock);
      const float logCount = logf(float(count));
#pragma unroll
      for (int h = 0; h < kMaxGroup; ++h) {
        if (h >= G) break;
        float dot = 0.f;
#pragma unroll
        for (int e = 0; e < kDimsPerLane; ++e) dot = fmaf(qs[h][lane * kDimsPerLane + e], m[e], dot);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
        const float s = dot + logCount;
        if (lane == 0) p.scores[int64_t(kvHead * G + h) * capBlocks + b] = s;
        top[h] = fmaxf(top[h], s);
      }
    }
    if (lane == 0) {
#pragma unroll
      for (int h = 0; h < kMaxGroup; ++h)
        if (h < G) warpMax[warp][h] = top[h];
    }
    __syncthreads();
    if (int(threadIdx.x) < G) {
      float t = -INFINITY;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) t = fmaxf(t, warpMax[w][threadIdx.x]);
      p.partMax[int64_t(kvHead * G + int(threadIdx.x)) * parts + part] = t;
    }
  }
  // Publish this CTA's scores and maxima before counting in; the last CTA of the kv head then sees them all.
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last = atomicAdd(&p.arrivals[kvHead], 1u) == unsigned(parts - 1);
  __syncthreads();
  if (!last) return;
  if (threadIdx.x == 0) p.arrivals[kvHead] = 0;  // ready for the next layer's launch (stream-ordered)
  __threadfence();

  const int liveParts = (nB + kBlocksPerCta - 1) / kBlocksPerCta;
  for (int h = warp; h < G; h += kWarps) {
    float t = -INFINITY;
    for (int q = lane; q < liveParts; q += 32) t = fmaxf(t, __ldcg(&p.partMax[int64_t(kvHead * G + h) * parts + q]));
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) t = fmaxf(t, __shfl_xor_sync(0xffffffffu, t, o));
    if (lane == 0) rowMax[h] = t - p.delta;
  }
  __syncthreads();
  // Ordered compaction, kThreads blocks per round: a ballot per warp, the warps' counts through shared memory.
  int32_t* list = p.blockList + int64_t(kvHead) * capBlocks;
  int kept = 0;
  for (int start = 0; start < nB; start += kThreads) {
    const int b = start + int(threadIdx.x);
    bool keep = false;
    if (b < nB) {
      keep = b == 0 || b >= nB - 2;
      for (int h = 0; h < G && !keep; ++h)
        keep = __ldcg(&p.scores[int64_t(kvHead * G + h) * capBlocks + b]) >= rowMax[h];
    }
    const unsigned ballot = __ballot_sync(0xffffffffu, keep);
    if (lane == 0) warpCounts[warp] = __popc(ballot);
    __syncthreads();
    int offset = kept, total = 0;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      if (w < warp) offset += warpCounts[w];
      total += warpCounts[w];
    }
    if (keep) list[offset + __popc(ballot & ((1u << lane) - 1u))] = b;
    kept += total;
    __syncthreads();  // warpCounts is rewritten by the next round
  }
  if (threadIdx.x == 0) {
    p.blockCount[kvHead] = kept;
    if (p.keptTotals) {
      atomicAdd(&p.keptTotals[0], (unsigned long long)kept);
      atomicAdd(&p.keptTotals[1], (unsigned long long)nB);
    }
  }
}

}  // namespace

int decodeSelectParts(int capacity) { return (keyBlocksOf(capacity) + kBlocksPerCta - 1) / kBlocksPerCta; }

void launchDecodeBlockSelect(const DecodeBlockSelectParams& p, cudaStream_t stream) {
  if (p.kvHeads <= 0 || p.heads % p.kvHeads || p.heads / p.kvHeads > kMaxGroup)
    throw std::runtime_error("sparse decode: " + std::to_string(p.heads) + " query heads over " +
                             std::to_string(p.kvHeads) + " kv heads is not supported (at most " +
                             std::to_string(kMaxGroup) + " per kv head).");
  if (p.headDim != 64 && p.headDim != 128)
    throw std::runtime_error("sparse decode supports head dims 64 and 128; got " + std::to_string(p.headDim) + ".");
  if (!p.positionDev && p.seqK <= 0) return;
  // With positionDev the grid covers the whole cache (CTAs past the end only count in), so the graph stays valid.
  const int parts = p.positionDev ? decodeSelectParts(p.capacity)
                                  : (keyBlocksOf(p.seqK) + kBlocksPerCta - 1) / kBlocksPerCta;
  const dim3 grid(unsigned(parts), unsigned(p.kvHeads));
  if (p.headDim == 128) decodeBlockSelectKernel<128><<<grid, kThreads, 0, stream>>>(p);
  else decodeBlockSelectKernel<64><<<grid, kThreads, 0, stream>>>(p);
  checkLaunch("the sparse decode block selection kernel");
}

}  // namespace unisparse::cuda
