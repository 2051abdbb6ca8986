// Hyperparameters of a Llama-family decoder, read from GGUF metadata or config.json, and the per-format
// facts that change the math (RoPE pairing, rope scaling). Kept apart from the weights so the reference
// tests can check each reading on its own.
#pragma once
#include <string>
#include <vector>

#include "tensor_source.h"

namespace unisparse {

enum class RopeStyle {
  AdjacentPairs,  // rotates (x[2i], x[2i+1]): GGUF llama, whose converter permuted HF's q/k rows to match
  HalfSplit,      // rotates (x[i], x[i + d/2]): HF "rotate_half" for every arch, and GGUF qwen2 (NEOX)
};

struct ModelConfig {
  std::string architecture;   // "llama" or "qwen2" (smollm, mistral, deepseek map to llama)
  std::string format;         // "gguf" or "safetensors"
  int nLayers = 0, nHeads = 0, nKvHeads = 0, headDim = 0, hiddenSize = 0, ffnSize = 0, vocabSize = 0;
  int contextLength = 0;
  float rmsEps = 1e-5f;
  float ropeTheta = 10000.f;
  RopeStyle ropeStyle = RopeStyle::HalfSplit;
  int ropeDim = 0;                 // rotated dimensions per head (the head dim unless metadata says less)
  std::string ropeScaling;         // "", "linear" or "llama3"
  float ropeFactor = 1.f, lowFreqFactor = 1.f, highFreqFactor = 4.f;
  int originalContext = 8192;
  bool tiedEmbeddings = false;
};

// Throws ModelError naming the file and the missing/invalid key.
ModelConfig readModelConfig(const TensorSource& src);

}  // namespace unisparse
