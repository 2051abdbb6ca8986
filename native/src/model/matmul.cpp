#include "matmul.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

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
  return packed->codes.size() + packed->scales.size() * sizeof(float);
}

namespace {

enum class PackKind { None, Nibbles, Bytes };

// Q4_K is stored losslessly as 4-bit codes with one (d, m) per 32 elements; Q5 and Q6_K/Q8_K are re-quantized
// to 8 bits per 32 elements (an error of at most d/254 per weight, far below their own rounding) so every
// quantized GGUF runs on the integer kernels. F32/F16/BF16 stay on the fp32 path for exactness.
PackKind packKind(TensorType t) {
  switch (t) {
    case TensorType::Q4_0: case TensorType::Q4_1: case TensorType::Q4_K: return PackKind::Nibbles;
    case TensorType::Q8_0: case TensorType::Q5_0: case TensorType::Q5_1: case TensorType::Q6_K: case TensorType::Q8_K:
      return PackKind::Bytes;
    default: return PackKind::None;
  }
}

class Packer {
 public:
  explicit Packer(PackedQuant& p) : p_(p) {}
  // 16 bytes: low nibble = element j, high nibble = element j + 16.
  void nibbles(int64_t row, int64_t block, const uint8_t* packed16, float d, float m) {
    uint8_t* codes = at(row, block);
    std::memcpy(codes + lane(row) * 16, packed16, 16);
    setScales(row, block, d, m);
  }
  void bytes(int64_t row, int64_t block, const int8_t* q32, float d) {
    uint8_t* codes = at(row, block);
    for (int j = 0; j < 16; ++j) {
      codes[lane(row) * 16 + j] = uint8_t(int(q32[j]) + 128);
      codes[64 + lane(row) * 16 + j] = uint8_t(int(q32[16 + j]) + 128);
    }
    setScales(row, block, d, -128.f * d);
  }

 private:
  static int lane(int64_t row) { return int(row % 4); }
  uint8_t* at(int64_t row, int64_t block) {
    return p_.codes.data() + size_t((row / 4) * p_.nb + block) * p_.codeBytes();
  }
  void setScales(int64_t row, int64_t block, float d, float m) {
    float* sc = p_.scales.data() + size_t((row / 4) * p_.nb + block) * 8;
    sc[lane(row)] = d;
    sc[4 + lane(row)] = m;
  }
  PackedQuant& p_;
};

inline float half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return fp16_to_f32(h);
}

void packQ4K(Packer& out, int64_t row, const uint8_t* src, int64_t cols) {
  for (int64_t sb = 0; sb < cols / 256; ++sb) {
    const uint8_t* blk = src + sb * 144;
    const float d = half(blk), dmin = half(blk + 2);
    const uint8_t* scales = blk + 4;
    const uint8_t* q = blk + 16;
    for (int j = 0; j < 4; ++j, q += 32) {
      for (int sub = 0; sub < 2; ++sub) {  // the low nibbles of q[0..31] are one 32-element block, the high the next
        const int is = 2 * j + sub;
        uint8_t sc, mn;
        if (is < 4) {
          sc = scales[is] & 63;
          mn = scales[is + 4] & 63;
        } else {
          sc = uint8_t((scales[is + 4] & 0xF) | ((scales[is - 4] >> 6) << 4));
          mn = uint8_t((scales[is + 4] >> 4) | ((scales[is] >> 6) << 4));
        }
        uint8_t codes[32], packed[16];
        for (int l = 0; l < 32; ++l) codes[l] = sub == 0 ? (q[l] & 0xF) : (q[l] >> 4);
        for (int l = 0; l < 16; ++l) packed[l] = uint8_t(codes[l] | (codes[l + 16] << 4));
        out.nibbles(row, sb * 8 + is, packed, d * sc, -dmin * mn);
      }
    }
  }
}

}  // namespace

void packForKernels(Matrix& w) {
  const PackKind kind = packKind(w.type);
  if (kind == PackKind::None || w.cols % 32) return;
  auto p = std::make_unique<PackedQuant>();
  p->nibbles = kind == PackKind::Nibbles;
  p->rows = w.rows;
  p->cols = w.cols;
  p->nb = w.cols / 32;
  p->groups = (w.rows + 3) / 4;
  p->codes.assign(size_t(p->groups * p->nb * p->codeBytes()), 0);
  p->scales.assign(size_t(p->groups * p->nb * 8), 0.f);
  Packer out(*p);
  std::vector<float> rowF;
  for (int64_t r = 0; r < w.rows; ++r) {
    const uint8_t* src = w.data + size_t(r) * w.rowBytes;
    if (w.type == TensorType::Q4_0 || w.type == TensorType::Q4_1) {
      const bool q40 = w.type == TensorType::Q4_0;
      for (int64_t b = 0; b < p->nb; ++b) {
        const uint8_t* blk = src + b * (q40 ? 18 : 20);
        const float d = half(blk);
        out.nibbles(r, b, blk + (q40 ? 2 : 4), d, q40 ? -8.f * d : half(blk + 2));
      }
    } else if (w.type == TensorType::Q4_K) {
      packQ4K(out, r, src, w.cols);
    } else if (w.type == TensorType::Q8_0) {
      for (int64_t b = 0; b < p->nb; ++b)
        out.bytes(r, b, reinterpret_cast<const int8_t*>(src + b * 34 + 2), half(src + b * 34));
    } else {
      rowF.resize(size_t(w.cols));
      dequantizeRow(w.type, src, rowF.data(), w.cols);
      for (int64_t b = 0; b < p->nb; ++b) {
        const float* x = rowF.data() + b * 32;
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f, inv = d > 0 ? 1.f / d : 0.f;
        int8_t q[32];
        for (int j = 0; j < 32; ++j) q[j] = int8_t(std::nearbyint(x[j] * inv));
        out.bytes(r, b, q, d);
      }
    }
  }
  w.packed = std::move(p);
}

// One 32-element block: d = max|x| / 127, q = round-to-nearest-even(x / d), returns sum(q).
static inline int quantizeBlock(const float* xb, int8_t* qb, float& dOut) {
#if defined(__AVX512F__) && defined(__AVX512BW__)
  const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
  const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
  const float d = amax / 127.f;
  const __m512 inv = _mm512_set1_ps(d > 0 ? 1.f / d : 0.f);
  const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inv));  // MXCSR rounding: nearest even, like nearbyint
  const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inv));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qb), _mm512_cvtepi32_epi8(q0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qb + 16), _mm512_cvtepi32_epi8(q1));
  dOut = d;
  return _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
#else
  float amax = 0;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
  const float d = amax / 127.f;
  const float inv = d > 0 ? 1.f / d : 0.f;
  int sum = 0;
  for (int j = 0; j < 32; ++j) {
    const int v = int(std::nearbyint(xb[j] * inv));
    qb[j] = int8_t(v);
    sum += v;
  }
  dOut = d;
  return sum;
#endif
}

static void quantizeActivations(const float* x, int T, int64_t K, ActivationQ8& a, ThreadPool& pool) {
  a.T = T;
  a.K = K;
  a.nb = K / 32;
  a.q.resize(size_t(T * K));
  a.d.resize(size_t(T * a.nb));
  a.s.resize(size_t(T * a.nb));
  const int tokensPerTask = 16;
  const int nTasks = (T + tokensPerTask - 1) / tokensPerTask;
  auto run = [&](int task, int) {
    const int64_t end = std::min<int64_t>(T, int64_t(task + 1) * tokensPerTask);
    for (int64_t t = int64_t(task) * tokensPerTask; t < end; ++t)
      for (int64_t b = 0; b < a.nb; ++b) {
        float d;
        const int sum = quantizeBlock(x + t * K + b * 32, a.q.data() + t * K + b * 32, d);
        a.d[size_t(t * a.nb + b)] = d;
        a.s[size_t(t * a.nb + b)] = d * float(sum);
      }
  };
  if (nTasks == 1) run(0, 0); else pool.parallelFor(nTasks, run);
}

// ---------------------------------------------------------------------------------------------------------------
// Integer kernel: one group of 4 weight rows x N tokens

template <int N>
static void quantTile(const PackedQuant& w, int64_t g, const ActivationQ8& a, int64_t t0, float* y, int64_t ldy) {
  const int64_t nb = w.nb;
  const int codeBytes = w.codeBytes();
  const uint8_t* codes = w.codes.data() + size_t(g * nb) * codeBytes;
  const float* scales = w.scales.data() + size_t(g * nb) * 8;
  float out[4][N];
#if defined(UNISPARSE_VNNI) && defined(__AVX512F__)
  __m512 acc[N];
  __m128 corr[N];
  for (int n = 0; n < N; ++n) {
    acc[n] = _mm512_setzero_ps();
    corr[n] = _mm_setzero_ps();
  }
  const __m512i lowMask = _mm512_set1_epi8(0x0F);
  const __m512i spread = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);  // d of row r -> lanes 4r..4r+3
  for (int64_t b = 0; b < nb; ++b, codes += codeBytes, scales += 8) {
    __m512i lo, hi;
    if (w.nibbles) {
      const __m512i packed = _mm512_loadu_si512(codes);
      lo = _mm512_and_si512(packed, lowMask);
      hi = _mm512_and_si512(_mm512_srli_epi16(packed, 4), lowMask);
    } else {
      lo = _mm512_loadu_si512(codes);
      hi = _mm512_loadu_si512(codes + 64);
    }
    const __m512 d16 = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_loadu_ps(scales)));
    const __m128 m4 = _mm_loadu_ps(scales + 4);
    for (int n = 0; n < N; ++n) {
      const int8_t* xq = a.q.data() + (t0 + n) * a.K + b * 32;
      const __m512i xlo = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xq)));
      const __m512i xhi = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xq + 16)));
      const __m512i dot = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, xlo), hi, xhi);
      const size_t xb = size_t((t0 + n) * nb + b);
      acc[n] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(d16, _mm512_set1_ps(a.d[xb])), acc[n]);
      corr[n] = _mm_fmadd_ps(m4, _mm_set1_ps(a.s[xb]), corr[n]);
    }
  }
  for (int n = 0; n < N; ++n) {
    alignas(64) float lanes[16];
    alignas(16) float c[4];
    _mm512_store_ps(lanes, acc[n]);
    _mm_store_ps(c, corr[n]);
    for (int r = 0; r < 4; ++r)
      out[r][n] = (lanes[4 * r] + lanes[4 * r + 1]) + (lanes[4 * r + 2] + lanes[4 * r + 3]) + c[r];
  }
#elif defined(__AVX2__) && defined(__FMA__)
  // Without VNNI: maddubs multiplies u8 x s8 into saturating 16-bit pair sums. Nibbles (<= 15) cannot
  // saturate; biased 8-bit codes could, so they are un-biased to signed q and multiplied as |q| x sign(x, q),
  // which makes their offset term (m = -128 d) unnecessary.
  __m256 acc[2][N];
  __m128 corr[N];
  for (int n = 0; n < N; ++n) {
    acc[0][n] = acc[1][n] = _mm256_setzero_ps();
    corr[n] = _mm_setzero_ps();
  }
  const __m256i lowMask = _mm256_set1_epi8(0x0F);
  const __m256i bias = _mm256_set1_epi8(char(0x80));
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i spreadLo = _mm256_set_epi32(1, 1, 1, 1, 0, 0, 0, 0), spreadHi = _mm256_set_epi32(3, 3, 3, 3, 2, 2, 2, 2);
  for (int64_t b = 0; b < nb; ++b, codes += codeBytes, scales += 8) {
    __m256i lo[2], hi[2];  // [rows 0-1], [rows 2-3]
    for (int half = 0; half < 2; ++half) {
      if (w.nibbles) {
        const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 32 * half));
        lo[half] = _mm256_and_si256(packed, lowMask);
        hi[half] = _mm256_and_si256(_mm256_srli_epi16(packed, 4), lowMask);
      } else {
        lo[half] = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 32 * half)), bias);
        hi[half] = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 64 + 32 * half)), bias);
      }
    }
    const __m256 d4 = _mm256_castps128_ps256(_mm_loadu_ps(scales));
    const __m256 dHalf[2] = {_mm256_permutevar8x32_ps(d4, spreadLo), _mm256_permutevar8x32_ps(d4, spreadHi)};
    const __m128 m4 = _mm_loadu_ps(scales + 4);
    for (int n = 0; n < N; ++n) {
      const int8_t* xq = a.q.data() + (t0 + n) * a.K + b * 32;
      const __m256i xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xq)));
      const __m256i xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xq + 16)));
      const size_t xb = size_t((t0 + n) * nb + b);
      const __m256 dx = _mm256_set1_ps(a.d[xb]);
      for (int half = 0; half < 2; ++half) {
        __m256i pairs;
        if (w.nibbles) {
          pairs = _mm256_add_epi16(_mm256_maddubs_epi16(lo[half], xlo), _mm256_maddubs_epi16(hi[half], xhi));
        } else {  // two products of up to 128 x 127 each: added in 32 bits, not 16
          const __m256i pl = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(lo[half]), _mm256_sign_epi8(xlo, lo[half])), ones);
          const __m256i ph = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(hi[half]), _mm256_sign_epi8(xhi, hi[half])), ones);
          acc[half][n] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(pl, ph)), _mm256_mul_ps(dHalf[half], dx), acc[half][n]);
          continue;
        }
        const __m256i dot = _mm256_madd_epi16(pairs, ones);
        acc[half][n] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dHalf[half], dx), acc[half][n]);
      }
      if (w.nibbles) corr[n] = _mm_fmadd_ps(m4, _mm_set1_ps(a.s[xb]), corr[n]);
    }
  }
  for (int n = 0; n < N; ++n) {
    alignas(32) float lanes[16];
    alignas(16) float c[4];
    _mm256_store_ps(lanes, acc[0][n]);
    _mm256_store_ps(lanes + 8, acc[1][n]);
    _mm_store_ps(c, corr[n]);
    for (int r = 0; r < 4; ++r)
      out[r][n] = (lanes[4 * r] + lanes[4 * r + 1]) + (lanes[4 * r + 2] + lanes[4 * r + 3]) + c[r];
  }
#else
  for (int r = 0; r < 4; ++r)
    for (int n = 0; n < N; ++n) out[r][n] = 0;
  for (int64_t b = 0; b < nb; ++b, codes += codeBytes, scales += 8) {
    for (int n = 0; n < N; ++n) {
      const int8_t* xq = a.q.data() + (t0 + n) * a.K + b * 32;
      const size_t xb = size_t((t0 + n) * nb + b);
      for (int r = 0; r < 4; ++r) {
        int dot = 0;
        for (int j = 0; j < 16; ++j) {
          const int c0 = w.nibbles ? codes[r * 16 + j] & 0xF : codes[r * 16 + j];
          const int c1 = w.nibbles ? codes[r * 16 + j] >> 4 : codes[64 + r * 16 + j];
          dot += c0 * xq[j] + c1 * xq[j + 16];
        }
        out[r][n] += float(dot) * scales[r] * a.d[xb] + scales[4 + r] * a.s[xb];
      }
    }
  }
#endif
  const int64_t rowsHere = std::min<int64_t>(4, w.rows - g * 4);
  for (int r = 0; r < rowsHere; ++r)
    for (int n = 0; n < N; ++n) y[(t0 + n) * ldy + g * 4 + r] = out[r][n];
}

static void quantGroup(const PackedQuant& w, int64_t g, const ActivationQ8& a, int T, float* y, int64_t ldy) {
  int t = 0;
  for (; t + 8 <= T; t += 8) quantTile<8>(w, g, a, t, y, ldy);
  for (; t + 4 <= T; t += 4) quantTile<4>(w, g, a, t, y, ldy);
  for (; t < T; ++t) quantTile<1>(w, g, a, t, y, ldy);
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

void matmulShared(std::initializer_list<MatmulOutput> outputs, const float* x, int T, ThreadPool& pool,
                  ActivationQ8& scratch) {
  if (T <= 0) return;
  // Tasks: ranges of 4-row groups (packed) or rows (fp32 path) of each output, enough of them to balance threads
  // that the OS may share with other work.
  struct Task { const MatmulOutput* out; int64_t begin, end; };
  std::vector<Task> tasks;
  const int64_t tasksWanted = int64_t(pool.size()) * 8;
  bool anyPacked = false;
  int64_t K = -1;
  for (const MatmulOutput& o : outputs) {
    if (o.W->rows == 0) continue;
    if (K >= 0 && o.W->cols != K) throw std::logic_error("matmulShared: outputs read inputs of different widths");
    K = o.W->cols;
    anyPacked |= bool(o.W->packed);
    const int64_t units = o.W->packed ? o.W->packed->groups : (o.W->rows + 3) / 4;
    const int64_t perTask = std::max<int64_t>(1, (units + tasksWanted - 1) / tasksWanted);
    for (int64_t u = 0; u < units; u += perTask) tasks.push_back({&o, u, std::min(units, u + perTask)});
  }
  if (tasks.empty()) return;
  if (anyPacked) quantizeActivations(x, T, K, scratch, pool);
  const ActivationQ8& a = scratch;

  pool.parallelFor(int(tasks.size()), [&](int index, int) {
    const Task& task = tasks[size_t(index)];
    const Matrix& W = *task.out->W;
    float* y = task.out->y;
    const int64_t ldy = task.out->ldy;
    if (W.packed) {
      for (int64_t g = task.begin; g < task.end; ++g) quantGroup(*W.packed, g, a, T, y, ldy);
      return;
    }
    thread_local std::vector<float> rowBuffer;
    const bool direct = W.type == TensorType::F32;
    if (!direct) rowBuffer.resize(size_t(4 * K));
    const int64_t end = std::min(W.rows, task.end * 4);
    for (int64_t r = task.begin * 4; r < end;) {
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

void matmul(const Matrix& W, const float* x, int T, float* y, int64_t ldy, ThreadPool& pool, ActivationQ8& scratch) {
  matmulShared({MatmulOutput{&W, y, ldy}}, x, T, pool, scratch);
}

}  // namespace unisparse
