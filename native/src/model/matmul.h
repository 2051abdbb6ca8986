// Weight matrices and the CPU matmul y[t, r] = sum_k W[r, k] * x[t, k] for a batch of T tokens.
// Quantized weights (every GGUF quant type) are repacked at load time into a kernel layout (4-bit or biased
// 8-bit codes plus fp32 scales, four rows interleaved); activations are quantized per 32-element block to 8 bits
// and the dot products run on integer SIMD (AVX-512 VNNI; AVX2 maddubs; scalar), tiled 4 weight rows x 8 tokens
// so each weight block is unpacked once per 8 tokens.
// Measured on SmolLM2-135M Q4_1 (1 thread, Zen 4, CPU time): interleaving four rows took decode from ~72 to
// ~115 tok/s and 256-token prefill from ~270 to ~480 tok/s, because decode is bound by streaming the weights.
// F32, F16 and BF16 weights are dequantized row by row into fp32 and multiplied in fp32, which keeps f32 models
// exact enough for the float64 reference tests.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "tensor_types.h"

namespace unisparse {

// Integer-kernel layout. Rows are packed in groups of four so that one 64-byte load brings the same 32-element
// block of four rows, and the four rows share one stream of scales (decode is bound by how fast weights
// stream in). For each group and block: codes, then 8 floats (d of the 4 rows, then m of the 4 rows), with
// w = d * code + m. Codes: Q4 = 4 rows x 16 bytes (low nibble = element j, high = element j + 16);
// Q8 = 4 rows x elements 0..15, then 4 rows x elements 16..31, stored as q + 128 (so m = -128 d).
// Q4_0 becomes m = -8d. Rows past the end of the matrix are zero padding.
struct PackedQuant {
  bool nibbles = true;
  int64_t rows = 0, cols = 0, nb = 0, groups = 0;
  std::vector<uint8_t> codes;  // groups * nb * (64 or 128)
  std::vector<float> scales;   // groups * nb * 8
  int codeBytes() const { return nibbles ? 64 : 128; }
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

// Builds the integer-kernel layout for quantized matrices: Q4_0/Q4_1/Q4_K as 4-bit codes (lossless), Q8_0 as
// 8-bit codes (lossless), Q5_0/Q5_1/Q6_K/Q8_K re-quantized to 8 bits. No-op for F32/F16/BF16.
void packForKernels(Matrix& m);

// Activations quantized to 8 bits per 32-element block: q = round(x / d), s = d * sum(q).
struct ActivationQ8 {
  int64_t T = 0, K = 0, nb = 0;
  std::vector<int8_t> q;
  std::vector<float> d, s;
};

// y (T rows of stride ldy) = x (T x W.cols, contiguous) times W^T. Threads over output rows.
void matmul(const Matrix& W, const float* x, int T, float* y, int64_t ldy, ThreadPool& pool, ActivationQ8& scratch);

struct MatmulOutput {
  const Matrix* W;
  float* y;
  int64_t ldy;
};
// Several matrices reading the same input (q/k/v; gate/up) as one parallel job: the input is quantized once
// and the threads meet once instead of once per matrix.
void matmulShared(std::initializer_list<MatmulOutput> outputs, const float* x, int T, ThreadPool& pool,
                  ActivationQ8& scratch);

}  // namespace unisparse
