#include "tensor_types.h"

#include <cstring>

#include "common/half.h"

namespace unisparse {

namespace {

const TypeTraits kF32{"F32", 1, 4}, kF16{"F16", 1, 2}, kBF16{"BF16", 1, 2};
const TypeTraits kQ4_0{"Q4_0", 32, 18}, kQ4_1{"Q4_1", 32, 20}, kQ5_0{"Q5_0", 32, 22}, kQ5_1{"Q5_1", 32, 24};
const TypeTraits kQ8_0{"Q8_0", 32, 34}, kQ4_K{"Q4_K", 256, 144}, kQ6_K{"Q6_K", 256, 210}, kQ8_K{"Q8_K", 256, 292};

inline uint16_t u16(const uint8_t* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline float h16(const uint8_t* p) { return fp16_to_f32(u16(p)); }

void dequantQ4_0(const uint8_t* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, b += 18, y += 32) {
    const float d = h16(b);
    const uint8_t* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
      y[j] = float(int(qs[j] & 0xF) - 8) * d;
      y[j + 16] = float(int(qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantQ4_1(const uint8_t* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, b += 20, y += 32) {
    const float d = h16(b), m = h16(b + 2);
    const uint8_t* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
      y[j] = float(qs[j] & 0xF) * d + m;
      y[j + 16] = float(qs[j] >> 4) * d + m;
    }
  }
}

void dequantQ5(const uint8_t* b, float* y, int64_t nb, bool hasMin) {
  const int bytes = hasMin ? 24 : 22;
  for (int64_t i = 0; i < nb; ++i, b += bytes, y += 32) {
    const float d = h16(b);
    const float m = hasMin ? h16(b + 2) : 0.f;
    uint32_t qh;
    std::memcpy(&qh, b + (hasMin ? 4 : 2), 4);
    const uint8_t* qs = b + (hasMin ? 8 : 6);
    const int offset = hasMin ? 0 : 16;
    for (int j = 0; j < 16; ++j) {
      const int hi0 = ((qh >> j) << 4) & 0x10;
      const int hi1 = (qh >> (j + 12)) & 0x10;
      y[j] = float(((qs[j] & 0xF) | hi0) - offset) * d + m;
      y[j + 16] = float(((qs[j] >> 4) | hi1) - offset) * d + m;
    }
  }
}

void dequantQ8_0(const uint8_t* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, b += 34, y += 32) {
    const float d = h16(b);
    const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
    for (int j = 0; j < 32; ++j) y[j] = float(qs[j]) * d;
  }
}

// Q4_K packs eight 6-bit (scale, min) pairs into 12 bytes.
inline void scaleMinK4(int j, const uint8_t* q, uint8_t& sc, uint8_t& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void dequantQ4_K(const uint8_t* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, b += 144) {
    const float d = h16(b), dmin = h16(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* q = b + 16;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
      uint8_t sc, m;
      scaleMinK4(is, scales, sc, m);
      const float d1 = d * sc, m1 = dmin * m;
      scaleMinK4(is + 1, scales, sc, m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
    }
  }
}

void dequantQ6_K(const uint8_t* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, b += 210) {
    const uint8_t* ql = b;
    const uint8_t* qh = b + 128;
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
    const float d = h16(b + 208);
    for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8, y += 128) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

void dequantQ8_K(const uint8_t* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, b += 292, y += 256) {
    float d;
    std::memcpy(&d, b, 4);
    const int8_t* qs = reinterpret_cast<const int8_t*>(b + 4);
    for (int j = 0; j < 256; ++j) y[j] = d * float(qs[j]);
  }
}

}  // namespace

const TypeTraits* typeTraits(uint32_t type) {
  switch (TensorType(type)) {
    case TensorType::F32: return &kF32;
    case TensorType::F16: return &kF16;
    case TensorType::BF16: return &kBF16;
    case TensorType::Q4_0: return &kQ4_0;
    case TensorType::Q4_1: return &kQ4_1;
    case TensorType::Q5_0: return &kQ5_0;
    case TensorType::Q5_1: return &kQ5_1;
    case TensorType::Q8_0: return &kQ8_0;
    case TensorType::Q4_K: return &kQ4_K;
    case TensorType::Q6_K: return &kQ6_K;
    case TensorType::Q8_K: return &kQ8_K;
  }
  return nullptr;
}

std::string supportedTypeNames() { return "F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q6_K, Q8_K"; }

size_t rowBytes(TensorType type, int64_t n) {
  const TypeTraits* t = typeTraits(uint32_t(type));
  if (!t || n % t->blockElems) return 0;
  return size_t(n / t->blockElems) * size_t(t->blockBytes);
}

void dequantizeRow(TensorType type, const void* src, float* dst, int64_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(src);
  switch (type) {
    case TensorType::F32: std::memcpy(dst, src, size_t(n) * 4); return;
    case TensorType::F16: for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_f32(u16(b + 2 * i)); return;
    case TensorType::BF16: for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(u16(b + 2 * i)); return;
    case TensorType::Q4_0: dequantQ4_0(b, dst, n / 32); return;
    case TensorType::Q4_1: dequantQ4_1(b, dst, n / 32); return;
    case TensorType::Q5_0: dequantQ5(b, dst, n / 32, false); return;
    case TensorType::Q5_1: dequantQ5(b, dst, n / 32, true); return;
    case TensorType::Q8_0: dequantQ8_0(b, dst, n / 32); return;
    case TensorType::Q4_K: dequantQ4_K(b, dst, n / 256); return;
    case TensorType::Q6_K: dequantQ6_K(b, dst, n / 256); return;
    case TensorType::Q8_K: dequantQ8_K(b, dst, n / 256); return;
  }
}

}  // namespace unisparse
