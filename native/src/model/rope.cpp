#include "rope.h"

#include <cmath>

namespace unisparse {

Rope::Rope(const ModelConfig& c, const std::vector<float>& freqFactors)
    : style_(c.ropeStyle), headDim_(c.headDim), ropeDim_(c.ropeDim) {
  const int half = ropeDim_ / 2;
  invFreq_.resize(size_t(half));
  for (int i = 0; i < half; ++i) {
    double f = std::pow(double(c.ropeTheta), -2.0 * i / double(ropeDim_));
    if (!freqFactors.empty()) f /= double(freqFactors[size_t(i)]);
    if (c.ropeScaling == "linear") f /= double(c.ropeFactor);
    if (c.ropeScaling == "llama3") {
      // Llama 3.1: long wavelengths are slowed by `factor`, short ones kept, the band between interpolated.
      const double lowWavelen = c.originalContext / double(c.lowFreqFactor);
      const double highWavelen = c.originalContext / double(c.highFreqFactor);
      const double wavelen = 2.0 * M_PI / f;
      if (wavelen > lowWavelen) {
        f /= c.ropeFactor;
      } else if (wavelen >= highWavelen) {
        const double smooth = (c.originalContext / wavelen - c.lowFreqFactor) / (c.highFreqFactor - c.lowFreqFactor);
        f = (1.0 - smooth) * f / c.ropeFactor + smooth * f;
      }
    }
    invFreq_[size_t(i)] = float(f);
  }
}

void Rope::prepare(int start, int n) {
  const int half = ropeDim_ / 2;
  cos_.resize(size_t(n * half));
  sin_.resize(size_t(n * half));
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < half; ++i) {
      // double for the angle: positions in the tens of thousands times a frequency lose digits in float
      const double angle = double(start + t) * double(invFreq_[size_t(i)]);
      cos_[size_t(t * half + i)] = float(std::cos(angle));
      sin_[size_t(t * half + i)] = float(std::sin(angle));
    }
}

void Rope::apply(float* x, int n, int heads, int64_t rowStride) const {
  const int half = ropeDim_ / 2;
  for (int t = 0; t < n; ++t) {
    const float* c = cos_.data() + t * half;
    const float* s = sin_.data() + t * half;
    for (int h = 0; h < heads; ++h) {
      float* v = x + t * rowStride + int64_t(h) * headDim_;
      if (style_ == RopeStyle::AdjacentPairs) {
        for (int i = 0; i < half; ++i) {
          const float a = v[2 * i], b = v[2 * i + 1];
          v[2 * i] = a * c[i] - b * s[i];
          v[2 * i + 1] = a * s[i] + b * c[i];
        }
      } else {
        for (int i = 0; i < half; ++i) {
          const float a = v[i], b = v[i + half];
          v[i] = a * c[i] - b * s[i];
          v[i + half] = a * s[i] + b * c[i];
        }
      }
    }
  }
}

}  // namespace unisparse
