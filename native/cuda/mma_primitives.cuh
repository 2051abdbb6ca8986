// Warp-level tensor-core building blocks shared by the estimate and attention kernels (sm_80+ mma.sync,
// ldmatrix, cp.async). They also run on sm_90a; a wgmma path would replace them only in the attention kernel.
#pragma once
#include <cuda_bf16.h>
#include <cstdint>

namespace unisparse::cuda::mma {

__device__ __forceinline__ uint32_t smemAddress(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// D += A(16x16, row) * B(16x8, col), bf16 in, fp32 accumulate.
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void ldmatrixX4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__device__ __forceinline__ void ldmatrixX4Trans(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// 16-byte global->shared copy that bypasses L1; srcBytes = 0 writes zeros (rows past the sequence end).
__device__ __forceinline__ void cpAsync16(uint32_t dst, const void* src, int srcBytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(srcBytes));
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cpAsyncWait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ uint32_t packBf16(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}

// Byte offset of 16-byte chunk `chunk` of row `row` in a [rows][kChunks*8] bf16 tile. XOR-ing the chunk with
// the row's low 3 bits spreads the 8 rows an ldmatrix reads over all 32 banks (no conflicts).
template <int kChunks>
__device__ __forceinline__ int swizzledOffset(int row, int chunk) {
  return (row * kChunks + (chunk ^ (row & 7))) * 16;
}

// Copies rows [firstRow, firstRow + kRows) of a [rows][D] bf16 matrix into a swizzled shared tile with cp.async,
// kThreads threads taking 16-byte chunks in turn; rows outside [0, rowLimit) are written as zeros.
template <int D, int kRows, int kThreads>
__device__ __forceinline__ void loadSwizzledRows(uint32_t smemBase, const __nv_bfloat16* src, int firstRow,
                                                 int rowLimit, int tid) {
  constexpr int kChunks = D / 8;
  #pragma unroll
  for (int c = tid; c < kRows * kChunks; c += kThreads) {
    const int row = c / kChunks, chunk = c % kChunks;
    const int srcRow = firstRow + row;
    const bool valid = srcRow >= 0 && srcRow < rowLimit;
    const __nv_bfloat16* p = src + (valid ? (int64_t)srcRow * D + chunk * 8 : 0);
    cpAsync16(smemBase + swizzledOffset<kChunks>(row, chunk), p, valid ? 16 : 0);
  }
}

}  // namespace unisparse::cuda::mma
