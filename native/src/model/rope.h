// Rotary position embedding: per-frequency angles (with linear, Llama-3 or GGUF rope_freqs scaling) and the
// in-place rotation of token-major [tokens, heads, headDim] buffers in either pairing style.
#pragma once
#include <vector>

#include "model_config.h"

namespace unisparse {

class Rope {
 public:
  Rope(const ModelConfig& config, const std::vector<float>& freqFactors);
  // Fills cos/sin tables for positions [start, start + n); reused by every layer of a chunk.
  void prepare(int start, int n);
  // Rotates `heads` heads of each of the n prepared tokens; rowStride = floats between tokens.
  void apply(float* x, int n, int heads, int64_t rowStride) const;
  // Per rotated pair i: the angle per position (scaling applied); the GPU runtime builds its tables from these.
  const std::vector<float>& inverseFrequencies() const { return invFreq_; }
  RopeStyle style() const { return style_; }
  int ropeDim() const { return ropeDim_; }

 private:
  RopeStyle style_;
  int headDim_, ropeDim_;
  std::vector<float> invFreq_;
  std::vector<float> cos_, sin_;  // [n, ropeDim/2]
};

}  // namespace unisparse
