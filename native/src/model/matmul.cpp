#include "matmul.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/half.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define UNISPARSE_VNNI 1
#endif

namespace unisparse {

// ---------------------------------------------------------------------------------------------------------------
// Packing and activation quantization

void Matrix::dequantizeRowTo(int64_t row, float* out) const {
  dequantizeRow(type, data + size_t(row) * rowBytes, out, cols);
}

size_t Matrix::nativeBytes() const {
  if (!packed) return 0;
  return packed->codes.size() + (packed->d.size() + packed->m.size()) * sizeof(float);
}

void packForKernels(Matrix& w) {
  if (w.type != TensorType::Q4_0 && w.type != TensorType::Q4_1 && w.type != TensorType::Q8_0) return;
  auto p = std::make_unique<PackedQuant>();
  p->nibbles = w.type != TensorType::Q8_0;
  p->rows = w.rows;
  p->cols = w.cols;
  p->nb = w.cols / 32;
  const int codeBytes = p->nibbles ? 16 : 32;
  p->codes.resize(size_t(p->rows * p->nb * codeBytes));
  p->d.resize(size_t(p->rows * p->nb));
  p->m.resize(size_t(p->rows * p->nb));
  for (int64_t r = 0; r < w.rows; ++r) {
    const uint8_t* src = w.data + size_t(r) * w.rowBytes;
    for (int64_t b = 0; b < p->nb; ++b) {
      const size_t i = size_t(r * p->nb + b);
      uint8_t* codes = p->codes.data() + i * codeBytes;
      uint16_t h;
      if (w.type == TensorType::Q4_0) {
        const uint8_t* blk = src + b * 18;
        std::memcpy(&h, blk, 2);
        p->d[i] = fp16_to_f32(h);
        p->m[i] = -8.f * p->d[i];
        std::memcpy(codes, blk + 2, 16);
      } else if (w.type == TensorType::Q4_1) {
        const uint8_t* blk = src + b * 20;
        std::memcpy(&h, blk, 2);
        p->d[i] = fp16_to_f32(h);
        std::memcpy(&h, blk + 2, 2);
        p->m[i] = fp16_to_f32(h);
        std::memcpy(codes, blk + 4, 16);
      } else {
        const uint8_t* blk = src + b * 34;
        std::memcpy(&h, blk, 2);
        p->d[i] = fp16_to_f32(h);
        p->m[i] = -128.f * p->d[i];
        for (int j = 0; j < 32; ++j) codes[j] = uint8_t(int(int8_t(blk[2 + j])) + 128);
      }
    }
  }
  w.packed = std::move(p);
}

static void quantizeActivations(const float* x, int T, int64_t K, ActivationQ8& a) {
  a.T = T;
  a.K = K;
  a.nb = K / 32;
  a.q.resize(size_t(T * K));
  a.d.resize(size_t(T * a.nb));
  a.s.resize(size_t(T * a.nb));
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < a.nb; ++b) {
      const float* xb = x + t * K + b * 32;
      float amax = 0;
      for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
      const float d = amax / 127.f;
      const float inv = d > 0 ? 1.f / d : 0.f;
      int8_t* qb = a.q.data() + t * K + b * 32;
      int sum = 0;
      for (int j = 0; j < 32; ++j) {
        const int v = int(std::nearbyint(xb[j] * inv));
        qb[j] = int8_t(v);
        sum += v;
      }
      a.d[size_t(t * a.nb + b)] = d;
      a.s[size_t(t * a.nb + b)] = d * float(sum);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Integer kernel: R weight rows x N tokens

template <int R, int N>
static void quantTile(const PackedQuant& w, int64_t r0, const ActivationQ8& a, int64_t t0, float* y, int64_t ldy) {
  const int64_t nb = w.nb;
  const int codeBytes = w.nibbles ? 16 : 32;
  float out[R][N];
#if defined(UNISPARSE_VNNI)
  __m256 acc[R][N];
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) acc[r][n] = _mm256_setzero_ps();
  const __m128i lowMask = _mm_set1_epi8(0x0F);
  for (int64_t b = 0; b < nb; ++b) {
    __m256i wv[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* codes = w.codes.data() + size_t(((r0 + r) * nb + b) * codeBytes);
      if (w.nibbles) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(codes));
        const __m128i lo = _mm_and_si128(packed, lowMask);
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(packed, 4), lowMask);
        wv[r] = _mm256_set_m128i(hi, lo);
      } else {
        wv[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes));
      }
    }
    for (int n = 0; n < N; ++n) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q.data() + (t0 + n) * a.K + b * 32));
      const float dx = a.d[size_t((t0 + n) * nb + b)];
      for (int r = 0; r < R; ++r) {
        const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), wv[r], xv);
        const __m256 scale = _mm256_set1_ps(w.d[size_t((r0 + r) * nb + b)] * dx);
        acc[r][n] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale, acc[r][n]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) {
      __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc[r][n]), _mm256_extractf128_ps(acc[r][n], 1));
      s = _mm_hadd_ps(s, s);
      s = _mm_hadd_ps(s, s);
      out[r][n] = _mm_cvtss_f32(s);
    }
#else
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) {
      float sum = 0;
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* codes = w.codes.data() + size_t(((r0 + r) * nb + b) * codeBytes);
        const int8_t* xq = a.q.data() + (t0 + n) * a.K + b * 32;
        int dot = 0;
        for (int j = 0; j < 32; ++j) {
          const int code = w.nibbles ? (j < 16 ? codes[j] & 0xF : codes[j - 16] >> 4) : codes[j];
          dot += code * xq[j];
        }
        sum += float(dot) * w.d[size_t((r0 + r) * nb + b)] * a.d[size_t((t0 + n) * nb + b)];
      }
      out[r][n] = sum;
    }
#endif
  // The offset term: sum over blocks of m_w * (d_x * sum(q_x)).
  for (int r = 0; r < R; ++r) {
    const float* m = w.m.data() + size_t((r0 + r) * nb);
    for (int n = 0; n < N; ++n) {
      const float* s = a.s.data() + size_t((t0 + n) * nb);
      float corr = 0;
      for (int64_t b = 0; b < nb; ++b) corr += m[b] * s[b];
      y[(t0 + n) * ldy + r0 + r] = out[r][n] + corr;
    }
  }
}

template <int R>
static void quantRows(const PackedQuant& w, int64_t r0, const ActivationQ8& a, int T, float* y, int64_t ldy) {
  int t = 0;
  for (; t + 4 <= T; t += 4) quantTile<R, 4>(w, r0, a, t, y, ldy);
  for (; t < T; ++t) quantTile<R, 1>(w, r0, a, t, y, ldy);
}

// ---------------------------------------------------------------------------------------------------------------
// fp32 kernel: R dequantized weight rows x N tokens

template <int R, int N>
static void floatTile(const float* const* w, const float* x, int64_t K, int64_t t0, float* y, int64_t ldy, int64_t r0) {
  float out[R][N];
  int64_t k = 0;
#if defined(__AVX512F__)
  __m512 acc[R][N];
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) acc[r][n] = _mm512_setzero_ps();
  for (; k + 16 <= K; k += 16) {
    __m512 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = _mm512_loadu_ps(w[r] + k);
    for (int n = 0; n < N; ++n) {
      const __m512 xv = _mm512_loadu_ps(x + (t0 + n) * K + k);
      for (int r = 0; r < R; ++r) acc[r][n] = _mm512_fmadd_ps(wv[r], xv, acc[r][n]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) out[r][n] = _mm512_reduce_add_ps(acc[r][n]);
#else
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) out[r][n] = 0;
#endif
  for (; k < K; ++k)
    for (int r = 0; r < R; ++r)
      for (int n = 0; n < N; ++n) out[r][n] += w[r][k] * x[(t0 + n) * K + k];
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) y[(t0 + n) * ldy + r0 + r] = out[r][n];
}

template <int R>
static void floatRows(const float* const* w, const float* x, int64_t K, int T, float* y, int64_t ldy, int64_t r0) {
  int t = 0;
  for (; t + 4 <= T; t += 4) floatTile<R, 4>(w, x, K, t, y, ldy, r0);
  for (; t < T; ++t) floatTile<R, 1>(w, x, K, t, y, ldy, r0);
}

// ---------------------------------------------------------------------------------------------------------------

void matmul(const Matrix& W, const float* x, int T, float* y, int64_t ldy, ThreadPool& pool, ActivationQ8& scratch) {
  if (T <= 0 || W.rows == 0) return;
  const int64_t rows = W.rows, K = W.cols;
  // Enough tasks to balance threads that the OS may share with other work, each a multiple of 4 rows.
  const int64_t tasksWanted = int64_t(pool.size()) * 8;
  const int64_t rowsPerTask = std::max<int64_t>(4, (rows + tasksWanted - 1) / tasksWanted + 3) / 4 * 4;
  const int nTasks = int((rows + rowsPerTask - 1) / rowsPerTask);

  if (W.packed) {
    quantizeActivations(x, T, K, scratch);
    const ActivationQ8& a = scratch;
    pool.parallelFor(nTasks, [&](int task, int) {
      const int64_t begin = task * rowsPerTask, end = std::min(rows, begin + rowsPerTask);
      int64_t r = begin;
      for (; r + 4 <= end; r += 4) quantRows<4>(*W.packed, r, a, T, y, ldy);
      for (; r < end; ++r) quantRows<1>(*W.packed, r, a, T, y, ldy);
    });
    return;
  }

  pool.parallelFor(nTasks, [&](int task, int) {
    thread_local std::vector<float> rowBuffer;
    const int64_t begin = task * rowsPerTask, end = std::min(rows, begin + rowsPerTask);
    const bool direct = W.type == TensorType::F32;
    if (!direct) rowBuffer.resize(size_t(4 * K));
    for (int64_t r = begin; r < end;) {
      const int R = end - r >= 4 ? 4 : 1;
      const float* w[4];
      for (int i = 0; i < R; ++i) {
        if (direct) {
          w[i] = reinterpret_cast<const float*>(W.data + size_t(r + i) * W.rowBytes);
        } else {
          W.dequantizeRowTo(r + i, rowBuffer.data() + i * K);
          w[i] = rowBuffer.data() + i * K;
        }
      }
      if (R == 4) floatRows<4>(w, x, K, T, y, ldy, r); else floatRows<1>(w, x, K, T, y, ldy, r);
      r += R;
    }
  });
}

}  // namespace unisparse
