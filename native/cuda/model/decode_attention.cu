// Tiles of 64 keys go through shared memory (K rows padded by 16 bytes so the score loop's 16-byte reads of
// different rows fall in different banks); scores for every head of the group, an online softmax in the log2
// domain, then P V with each thread owning a few (head, dim-pair) accumulators.
#include "decode_attention.h"
#include "../cuda_check.h"
#include <algorithm>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kTileKeys = 64;
constexpr int kMaxGroup = 16;  // query heads per kv head

// Keys per slice when `splits` slices cover seqK: whole tiles, so only the last slice has a partial tile.
__device__ __forceinline__ int sliceKeysFor(int seqK, int splits) {
  const int slice = (seqK + splits - 1) / splits;
  return (slice + kTileKeys - 1) / kTileKeys * kTileKeys;
}

template <int D>
__global__ void __launch_bounds__(kThreads) decodeSliceKernel(DecodeAttentionParams p) {
  constexpr int kRowK = D + 8;  // padded K row (bf16 elements)
  constexpr int kItems = (kMaxGroup * D / 2 + kThreads - 1) / kThreads;
  __shared__ __align__(16) __nv_bfloat16 kTile[kTileKeys * kRowK];
  __shared__ __align__(16) __nv_bfloat16 vTile[kTileKeys * D];
  __shared__ float qs[kMaxGroup * D];
  __shared__ float scores[kMaxGroup * kTileKeys];
  __shared__ float rowMax[kMaxGroup], rowSum[kMaxGroup], corr[kMaxGroup];

  const int split = blockIdx.x, kvHead = blockIdx.y, tid = threadIdx.x;
  const int G = p.heads / p.kvHeads;
  const int seqK = p.positionDev ? *p.positionDev + 1 : p.seqK;
  const int sliceKeys = sliceKeysFor(seqK, gridDim.x);
  const int keyBegin = split * sliceKeys, keyEnd = min(keyBegin + sliceKeys, seqK);
  const float scaleLog2 = p.scale * 1.4426950408889634f;
  for (int i = tid; i < G * D; i += kThreads) qs[i] = __bfloat162float(p.q[int64_t(kvHead) * G * D + i]) * scaleLog2;
  if (tid < G) { rowMax[tid] = -INFINITY; rowSum[tid] = 0.f; }
  float2 acc[kItems];
  #pragma unroll
  for (int i = 0; i < kItems; ++i) acc[i] = make_float2(0.f, 0.f);

  const __nv_bfloat16* kHead = p.kCache + int64_t(kvHead) * p.capacity * D;
  const __nv_bfloat16* vHead = p.vCache + int64_t(kvHead) * p.capacity * D;
  for (int tile = keyBegin; tile < keyEnd; tile += kTileKeys) {
    const int nKeys = min(kTileKeys, keyEnd - tile);
    __syncthreads();  // the previous tile's readers are done
    for (int c = tid; c < kTileKeys * (D / 8); c += kThreads) {
      const int row = c / (D / 8), chunk = c % (D / 8);
      uint4 kv = make_uint4(0, 0, 0, 0), vv = make_uint4(0, 0, 0, 0);
      if (row < nKeys) {
        kv = reinterpret_cast<const uint4*>(kHead + int64_t(tile + row) * D)[chunk];
        vv = reinterpret_cast<const uint4*>(vHead + int64_t(tile + row) * D)[chunk];
      }
      *reinterpret_cast<uint4*>(&kTile[row * kRowK + chunk * 8]) = kv;
      *reinterpret_cast<uint4*>(&vTile[row * D + chunk * 8]) = vv;
    }
    __syncthreads();
    for (int i = tid; i < G * kTileKeys; i += kThreads) {
      const int h = i / kTileKeys, key = i % kTileKeys;
      float s = -INFINITY;
      if (key < nKeys) {
        s = 0.f;
        const float* qh = qs + h * D;
        #pragma unroll
        for (int c = 0; c < D / 8; ++c) {
          const uint4 raw = *reinterpret_cast<const uint4*>(&kTile[key * kRowK + c * 8]);
          const __nv_bfloat162* k2 = reinterpret_cast<const __nv_bfloat162*>(&raw);
          #pragma unroll
          for (int e = 0; e < 4; ++e) {
            const float2 kf = __bfloat1622float2(k2[e]);
            s = fmaf(qh[c * 8 + 2 * e], kf.x, s);
            s = fmaf(qh[c * 8 + 2 * e + 1], kf.y, s);
          }
        }
      }
      scores[i] = s;
    }
    __syncthreads();
    // Online softmax: one warp per head (heads strided over the 4 warps), two keys per lane.
    const int warp = tid >> 5, lane = tid & 31;
    for (int h = warp; h < G; h += kThreads / 32) {
      float* sh = scores + h * kTileKeys;
      float mx = fmaxf(sh[lane], sh[lane + 32]);
      for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
      const float newMax = fmaxf(rowMax[h], mx);  // finite: every tile holds at least one key
      const float p0 = exp2f(sh[lane] - newMax), p1 = exp2f(sh[lane + 32] - newMax);
      sh[lane] = p0;
      sh[lane + 32] = p1;
      float sum = p0 + p1;
      for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
      if (lane == 0) {
        const float c = exp2f(rowMax[h] - newMax);
        corr[h] = c;
        rowSum[h] = rowSum[h] * c + sum;
        rowMax[h] = newMax;
      }
    }
    __syncthreads();
    #pragma unroll
    for (int it = 0; it < kItems; ++it) {
      const int item = tid + it * kThreads;
      if (item >= G * D / 2) break;
      const int h = item / (D / 2), d2 = item % (D / 2);
      const float* ph = scores + h * kTileKeys;
      float2 a = acc[it];
      const float c = corr[h];
      a.x *= c;
      a.y *= c;
      for (int key = 0; key < nKeys; ++key) {
        const float2 v = __bfloat1622float2(reinterpret_cast<const __nv_bfloat162*>(&vTile[key * D])[d2]);
        a.x = fmaf(ph[key], v.x, a.x);
        a.y = fmaf(ph[key], v.y, a.y);
      }
      acc[it] = a;
    }
  }
  __syncthreads();
  #pragma unroll
  for (int it = 0; it < kItems; ++it) {
    const int item = tid + it * kThreads;
    if (item >= G * D / 2) break;
    const int h = item / (D / 2), d2 = item % (D / 2);
    const int head = kvHead * G + h;
    reinterpret_cast<float2*>(p.partialOut + (int64_t(head) * p.maxSplits + split) * D)[d2] = acc[it];  // 0 when empty
  }
  if (tid < G) {
    const int head = kvHead * G + tid;
    p.partialMax[head * p.maxSplits + split] = keyBegin < keyEnd ? rowMax[tid] : -INFINITY;  // empty slice
    p.partialSum[head * p.maxSplits + split] = rowSum[tid];
  }
}

// One CTA per head, one thread per output dimension.
__global__ void decodeMergeKernel(DecodeAttentionParams p, int splits) {
  const int head = blockIdx.x, d = threadIdx.x, D = p.headDim;
  const float* m = p.partialMax + head * p.maxSplits;
  const float* l = p.partialSum + head * p.maxSplits;
  float M = -INFINITY;
  for (int s = 0; s < splits; ++s) M = fmaxf(M, m[s]);
  float L = 0.f, o = 0.f;
  for (int s = 0; s < splits; ++s) {
    if (m[s] == -INFINITY) continue;
    const float w = exp2f(m[s] - M);
    L += l[s] * w;
    o += p.partialOut[(int64_t(head) * p.maxSplits + s) * D + d] * w;
  }
  p.out[int64_t(head) * D + d] = __float2bfloat16_rn(L > 0.f ? o / L : 0.f);
}

}  // namespace

int decodeSplits(int seqK, int kvHeads, int smCount, int maxSplits) {
  // About two CTAs per SM in total, never slices shorter than one tile.
  const int wanted = std::max(1, (2 * smCount + kvHeads - 1) / kvHeads);
  const int byKeys = (seqK + kTileKeys - 1) / kTileKeys;
  return std::max(1, std::min({wanted, byKeys, maxSplits}));
}

void launchDecodeAttention(const DecodeAttentionParams& p, cudaStream_t stream) {
  if (p.heads % p.kvHeads || p.heads / p.kvHeads > kMaxGroup)
    throw std::runtime_error("CUDA decode attention: " + std::to_string(p.heads) + " query heads over " +
                             std::to_string(p.kvHeads) + " kv heads is not supported (at most " +
                             std::to_string(kMaxGroup) + " per kv head); use device 'cpu'.");
  if (!p.positionDev && p.seqK <= 0) return;
  const int splits = decodeSplits(p.positionDev ? p.capacity : p.seqK, p.kvHeads, p.smCount, p.maxSplits);
  dim3 grid(splits, p.kvHeads);
  if (p.headDim == 128) decodeSliceKernel<128><<<grid, kThreads, 0, stream>>>(p);
  else if (p.headDim == 64) decodeSliceKernel<64><<<grid, kThreads, 0, stream>>>(p);
  else throw std::runtime_error("CUDA decode attention supports head dims 64 and 128; got " + std::to_string(p.headDim) + ".");
  checkLaunch("the decode attention kernel");
  decodeMergeKernel<<<p.heads, p.headDim, 0, stream>>>(p, splits);
  checkLaunch("the decode merge kernel");
}

}  // namespace unisparse::cuda
