// One kernel template for the four decode projections. Every CTA first stages the input vector in shared memory
// as bf16 (normalising the fp32 residual on the way when the projection follows an RMSNorm: recomputing the norm
// per CTA costs a few KB of L2 reads and saves a kernel), then its warps take groups of R rows in a grid-stride
// loop. A lane reads 16-byte chunks of each row, U chunks ahead per row, so a warp keeps 8 KB of weights in
// flight; lanes' partial dot products meet in a warp shuffle, and lane 0 applies the epilogue.
#include "decode_gemv.h"
#include "bf16_vector.cuh"
#include "../cuda_check.h"
#include <algorithm>
#include <cstdint>

namespace unisparse::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr size_t kMaxInputBytes = size_t(160) << 10;  // bf16 input in shared memory (Hopper allows 227 KB)

enum class Out { Bf16, F32, AddF32, SwiGlu };

struct GemvArgs {
  const float* residual = nullptr;  // normalised input (kNorm)
  const float* normWeight = nullptr;
  float eps = 0.f;
  const __nv_bfloat16* x = nullptr;  // bf16 input (!kNorm)
  const __nv_bfloat16* W = nullptr;
  void* y = nullptr;
  int out = 0;  // output values (SwiGlu: F, the matrix then has 2F rows)
  int in = 0;
};

// Weights are read once per step and never reused by this SM: keep them out of L1.
__device__ __forceinline__ uint4 loadStreaming(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

__device__ __forceinline__ float dot8(const uint4& w, const float x[8], float acc) {
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&w);
  #pragma unroll
  for (int e = 0; e < 4; ++e) {
    const float2 f = __bfloat1622float2(h[e]);
    acc = fmaf(f.x, x[2 * e], acc);
    acc = fmaf(f.y, x[2 * e + 1], acc);
  }
  return acc;
}

__device__ __forceinline__ uint32_t packBf16(float a, float b) {
  const __nv_bfloat162 h = __halves2bfloat162(__float2bfloat16_rn(a), __float2bfloat16_rn(b));
  return *reinterpret_cast<const uint32_t*>(&h);
}

template <bool kNorm, Out kOut, int R>
__global__ void __launch_bounds__(kThreads) gemvKernel(GemvArgs a) {
  extern __shared__ __align__(16) unsigned char smemRaw[];
  uint4* xs = reinterpret_cast<uint4*>(smemRaw);  // [in / 8] chunks of bf16
  __shared__ float partial[kWarps];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int chunks = a.in / 8;
  if constexpr (kNorm) {
    // The same arithmetic as rmsNormKernel: fp32 sum of squares, then bf16(x * inv * w).
    const float4* r4 = reinterpret_cast<const float4*>(a.residual);
    const float4* w4 = reinterpret_cast<const float4*>(a.normWeight);
    float ss = 0.f;
    for (int i = threadIdx.x; i < a.in / 4; i += kThreads) {
      const float4 v = r4[i];
      ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
    }
    for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
    if (lane == 0) partial[warp] = ss;
    __syncthreads();
    float total = 0.f;
    #pragma unroll
    for (int w = 0; w < kWarps; ++w) total += partial[w];
    const float inv = rsqrtf(total / float(a.in) + a.eps);
    for (int c = threadIdx.x; c < chunks; c += kThreads) {
      const float4 x0 = r4[2 * c], x1 = r4[2 * c + 1], w0 = w4[2 * c], w1 = w4[2 * c + 1];
      xs[c] = make_uint4(packBf16(x0.x * inv * w0.x, x0.y * inv * w0.y), packBf16(x0.z * inv * w0.z, x0.w * inv * w0.w),
                         packBf16(x1.x * inv * w1.x, x1.y * inv * w1.y), packBf16(x1.z * inv * w1.z, x1.w * inv * w1.w));
    }
  } else {
    const uint4* x4 = reinterpret_cast<const uint4*>(a.x);
    for (int c = threadIdx.x; c < chunks; c += kThreads) xs[c] = x4[c];
  }
  __syncthreads();

  constexpr int kOuts = kOut == Out::SwiGlu ? R / 2 : R;  // outputs per row group
  constexpr int U = 16 / R;                               // chunks ahead per row (64 registers of loads)
  const int groups = (a.out + kOuts - 1) / kOuts;
  for (int grp = blockIdx.x * kWarps + warp; grp < groups; grp += gridDim.x * kWarps) {
    const uint4* w[R];
    #pragma unroll
    for (int r = 0; r < R; ++r) {
      // Rows past the end are clamped to the last one (read, never stored); SwiGLU pairs row f with row F + f.
      const int f = min(grp * kOuts + r % kOuts, a.out - 1);
      const int64_t row = kOut == Out::SwiGlu && r >= kOuts ? int64_t(a.out) + f : f;
      w[r] = reinterpret_cast<const uint4*>(a.W + row * a.in);
    }
    float acc[R];
    #pragma unroll
    for (int r = 0; r < R; ++r) acc[r] = 0.f;
    // U chunks per row are loaded before any is used; chunks past the row are skipped (predicated), so short
    // rows (in = 1536 is 6 chunks per lane) still issue all their loads at once.
    for (int c = lane; c < chunks; c += 32 * U) {
      uint4 wv[U][R];
      #pragma unroll
      for (int u = 0; u < U; ++u)
        #pragma unroll
        for (int r = 0; r < R; ++r)
          if (c + 32 * u < chunks) wv[u][r] = loadStreaming(w[r] + c + 32 * u);
      #pragma unroll
      for (int u = 0; u < U; ++u) {
        if (c + 32 * u >= chunks) break;
        float xf[8];
        toFloat8(xs[c + 32 * u], xf);
        #pragma unroll
        for (int r = 0; r < R; ++r) acc[r] = dot8(wv[u][r], xf, acc[r]);
      }
    }
    #pragma unroll
    for (int r = 0; r < R; ++r)
      #pragma unroll
      for (int o = 16; o > 0; o >>= 1) acc[r] += __shfl_xor_sync(0xffffffffu, acc[r], o);
    if (lane != 0) continue;
    #pragma unroll
    for (int j = 0; j < kOuts; ++j) {
      const int i = grp * kOuts + j;
      if (i >= a.out) break;
      if constexpr (kOut == Out::Bf16) {
        static_cast<__nv_bfloat16*>(a.y)[i] = __float2bfloat16_rn(acc[j]);
      } else if constexpr (kOut == Out::F32) {
        static_cast<float*>(a.y)[i] = acc[j];
      } else if constexpr (kOut == Out::AddF32) {
        static_cast<float*>(a.y)[i] += acc[j];
      } else {
        const float g = __bfloat162float(__float2bfloat16_rn(acc[j]));
        const float u = __bfloat162float(__float2bfloat16_rn(acc[kOuts + j]));
        static_cast<__nv_bfloat16*>(a.y)[i] = __float2bfloat16_rn(g / (1.f + __expf(-g)) * u);
      }
    }
  }
}

int smCount() {
  static const int n = [] {
    int device = 0, count = 132;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device);
    return count;
  }();
  return n;
}

template <bool kNorm, Out kOut, int R>
void launchRows(const GemvArgs& a, cudaStream_t stream) {
  const auto kernel = gemvKernel<kNorm, kOut, R>;
  const size_t smem = size_t(a.in) * 2;
  // Occupancy depends on the input size only: remembered per kernel for the few sizes a model uses (O and down
  // share a kernel), so kernel-by-kernel decode makes no occupancy query per launch.
  thread_local size_t sizes[4] = {0, 0, 0, 0}, optedIn = 48 << 10;
  thread_local int perSmOf[4] = {0, 0, 0, 0};
  int slot = 0;
  while (slot < 4 && sizes[slot] != smem && sizes[slot] != 0) ++slot;
  if (slot == 4) slot = 0;  // more sizes than slots: recompute
  if (sizes[slot] != smem) {
    if (smem > optedIn) {
      check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)),
            "allocating shared memory for a decode matrix-vector kernel");
      optedIn = smem;
    }
    int n = 1;
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, kernel, kThreads, smem);
    sizes[slot] = smem;
    perSmOf[slot] = std::max(1, n);
  }
  const int perSm = perSmOf[slot];
  constexpr int kOuts = kOut == Out::SwiGlu ? R / 2 : R;
  const int groups = (a.out + kOuts - 1) / kOuts;
  const int blocks = std::max(1, std::min((groups + kWarps - 1) / kWarps, perSm * smCount()));
  kernel<<<blocks, kThreads, smem, stream>>>(a);
  checkLaunch("a decode matrix-vector kernel");
}

// More rows per warp means more bytes in flight per warp but fewer warps: take the most rows per warp that still
// leave two CTAs' worth of row groups per SM.
template <bool kNorm, Out kOut>
void launchGemv(const GemvArgs& a, cudaStream_t stream) {
  if (a.out <= 0) return;
  const int rows = kOut == Out::SwiGlu ? 2 * a.out : a.out;
  const int wanted = 2 * kWarps * smCount();
  if (rows / 4 >= wanted) return launchRows<kNorm, kOut, 4>(a, stream);
  if (rows / 2 >= wanted || kOut == Out::SwiGlu) return launchRows<kNorm, kOut, 2>(a, stream);
  if constexpr (kOut != Out::SwiGlu) launchRows<kNorm, kOut, 1>(a, stream);
}

GemvArgs normed(const float* residual, const float* normWeight, float eps, const __nv_bfloat16* W, void* y, int out,
                int in) {
  GemvArgs a;
  a.residual = residual; a.normWeight = normWeight; a.eps = eps; a.W = W; a.y = y; a.out = out; a.in = in;
  return a;
}

}  // namespace

bool decodeGemvSupports(int in) { return in > 0 && in % 8 == 0 && size_t(in) * 2 <= kMaxInputBytes; }

void launchNormGemvBf16(const float* residual, const float* normWeight, float eps, const __nv_bfloat16* W,
                        __nv_bfloat16* y, int out, int in, cudaStream_t stream) {
  launchGemv<true, Out::Bf16>(normed(residual, normWeight, eps, W, y, out, in), stream);
}

void launchNormGemvF32(const float* residual, const float* normWeight, float eps, const __nv_bfloat16* W, float* y,
                       int out, int in, cudaStream_t stream) {
  launchGemv<true, Out::F32>(normed(residual, normWeight, eps, W, y, out, in), stream);
}

void launchNormGemvSwiGlu(const float* residual, const float* normWeight, float eps, const __nv_bfloat16* W,
                          __nv_bfloat16* act, int F, int in, cudaStream_t stream) {
  launchGemv<true, Out::SwiGlu>(normed(residual, normWeight, eps, W, act, F, in), stream);
}

void launchGemvAddResidual(const __nv_bfloat16* x, const __nv_bfloat16* W, float* residual, int out, int in,
                           cudaStream_t stream) {
  GemvArgs a;
  a.x = x; a.W = W; a.y = residual; a.out = out; a.in = in;
  launchGemv<false, Out::AddF32>(a, stream);
}

}  // namespace unisparse::cuda
