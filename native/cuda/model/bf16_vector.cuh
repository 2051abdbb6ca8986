// bf16 vectors as 16-byte loads: eight bf16 values of one uint4, widened to fp32 (the decode kernels read the
// KV cache, the query and the weights this way).
#pragma once
#include <cuda_bf16.h>

namespace unisparse::cuda {

__device__ __forceinline__ void toFloat8(const uint4& raw, float f[8]) {
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
  #pragma unroll
  for (int e = 0; e < 4; ++e) {
    const float2 v = __bfloat1622float2(h[e]);
    f[2 * e] = v.x;
    f[2 * e + 1] = v.y;
  }
}

}  // namespace unisparse::cuda
