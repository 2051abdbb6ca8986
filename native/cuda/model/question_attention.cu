#include "question_attention.h"

#include <cmath>

namespace unisparse::cuda {
namespace {

constexpr int kThreads = 256;

// Scaled q.k for one key: each thread takes whole keys (16-byte loads along D), the query sits in shared memory.
template <int D>
__device__ float scoreOf(const float* qs, const __nv_bfloat16* kRow) {
  float dot = 0.f;
#pragma unroll
  for (int c = 0; c < D / 8; ++c) {
    const uint4 raw = reinterpret_cast<const uint4*>(kRow)[c];
    const __nv_bfloat162* pair = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const float2 f = __bfloat1622float2(pair[i]);
      dot += qs[c * 8 + 2 * i] * f.x + qs[c * 8 + 2 * i + 1] * f.y;
    }
  }
  return dot;
}

// Merges (max, sum of exp(x - max)) pairs, the online-softmax way.
__device__ void mergeSoftmax(float& m, float& s, float m2, float s2) {
  const float mx = fmaxf(m, m2);
  if (mx == -INFINITY) return;
  s = s * __expf(m - mx) + s2 * __expf(m2 - mx);
  m = mx;
}

// One CTA per (question row, head): the rows are the question's tokens (tens) while keys run to the whole
// context, so the keys are what the CTA loops over. Pass 1: online max and sum; pass 2: each warp's 32 keys
// lie in one block (blockSize is a multiple of 32), so a warp reduces its shares and adds them with one atomic.
template <int D>
__global__ void questionAttentionKernel(QuestionAttentionParams p, float scale) {
  const int row = p.rowFrom + blockIdx.x, head = blockIdx.y;
  const int kvHead = head / (p.heads / p.kvHeads);
  __shared__ float qs[D];
  __shared__ float redM[kThreads / 32], redS[kThreads / 32];
  const __nv_bfloat16* qRow = p.q + (size_t(head) * p.T + (row - p.position)) * D;
  for (int d = threadIdx.x; d < D; d += kThreads) qs[d] = __bfloat162float(qRow[d]) * scale;
  __syncthreads();
  const __nv_bfloat16* k = p.k + size_t(kvHead) * p.capacity * D;
  const int keys = row + 1;

  float m = -INFINITY, s = 0.f;
  for (int j = threadIdx.x; j < keys; j += kThreads) mergeSoftmax(m, s, scoreOf<D>(qs, k + size_t(j) * D), 1.f);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int o = 16; o; o >>= 1) mergeSoftmax(m, s, __shfl_xor_sync(~0u, m, o), __shfl_xor_sync(~0u, s, o));
  if (lane == 0) { redM[warp] = m; redS[warp] = s; }
  __syncthreads();
  m = redM[0]; s = redS[0];
  for (int w = 1; w < kThreads / 32; ++w) mergeSoftmax(m, s, redM[w], redS[w]);
  const float inv = 1.f / s;

  const int S = p.blockSize, own = row / S;
  // Start at the first key after the sink block; warps step over whole 32-key groups so none straddles a block.
  for (int base = S + warp * 32; base < keys; base += kThreads) {
    const int b = base / S;
    if (b == own) continue;
    const int j = base + lane;
    float share = j < keys ? __expf(scoreOf<D>(qs, k + size_t(j) * D) - m) * inv : 0.f;
    for (int o = 16; o; o >>= 1) share += __shfl_xor_sync(~0u, share, o);
    if (lane == 0) atomicAdd(p.mass + b, double(share));
  }
}

}  // namespace

void launchQuestionAttention(const QuestionAttentionParams& p, cudaStream_t stream) {
  const int rows = p.rowTo - p.rowFrom;
  if (rows <= 0 || p.heads <= 0) return;
  const dim3 grid(unsigned(rows), unsigned(p.heads));
  const float scale = 1.f / std::sqrt(float(p.headDim));
  if (p.headDim == 128) questionAttentionKernel<128><<<grid, kThreads, 0, stream>>>(p, scale);
  else questionAttentionKernel<64><<<grid, kThreads, 0, stream>>>(p, scale);
}

}  // namespace unisparse::cuda
