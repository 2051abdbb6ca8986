// Weight matrices and the CPU matmul y[t, r] = sum_k W[r, k] * x[t, k] for a batch of T tokens.
// Q4_0, Q4_1 and Q8_0 weights are repacked at load time into a kernel layout (4-bit or biased 8-bit codes plus
// fp32 scales); activations are quantized per 32-element block to 8 bits and the dot products run on integer
// SIMD (AVX-512 VNNI), tiled 4 weight rows x 4 tokens so each weight block is unpacked once per 4 tokens.
// Every other type (F32, F16, BF16, K-quants, Q5) is dequantized row by row into fp32 and multiplied in fp32,
// which keeps f32 models exact enough for the float64 reference tests.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "tensor_types.h"

namespace unisparse {

// Integer-kernel layout: per row and 32-element block, codes (16 bytes of nibbles or 32 biased bytes) and
// w = d * code + m. Q4_0 becomes m = -8d; Q8_0 is stored as code = q + 128 with m = -128d.
struct PackedQuant {
  bool nibbles = true;
  int64_t rows = 0, cols = 0, nb = 0;
  std::vector<uint8_t> codes;  // rows * nb * (16 or 32)
  std::vector<float> d, m;     // rows * nb
};

struct Matrix {
  std::string name;
  TensorType type = TensorType::F32;
  int64_t rows = 0, cols = 0;        // out features, in features
  const uint8_t* data = nullptr;     // row-major in `type`; points into the mapped file or `owned`
  size_t rowBytes = 0;
  std::unique_ptr<PackedQuant> packed;

  bool empty() const { return rows == 0; }
  void dequantizeRowTo(int64_t row, float* out) const;  // any type
  size_t nativeBytes() const;                           // memory this matrix owns (not the mapped file)
};

// Builds the integer-kernel layout for Q4_0/Q4_1/Q8_0 matrices (no-op for other types).
void packForKernels(Matrix& m);

// Activations quantized to 8 bits per 32-element block: q = round(x / d), s = d * sum(q).
struct ActivationQ8 {
  int64_t T = 0, K = 0, nb = 0;
  std::vector<int8_t> q;
  std::vector<float> d, s;
};

// y (T rows of stride ldy) = x (T x W.cols, contiguous) times W^T. Threads over output rows.
void matmul(const Matrix& W, const float* x, int T, float* y, int64_t ldy, ThreadPool& pool, ActivationQ8& scratch);

}  // namespace unisparse
