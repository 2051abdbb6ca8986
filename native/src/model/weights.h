// The weights of a Llama-family decoder, found by name in a TensorSource (GGUF or Hugging Face naming) and
// checked against the shapes the config implies before anything runs.
#pragma once
#include <vector>

#include "matmul.h"
#include "model_config.h"
#include "tensor_source.h"

namespace unisparse {

struct LayerWeights {
  std::vector<float> attnNorm, ffnNorm;
  Matrix wq, wk, wv, wo, gate, up, down;
  std::vector<float> bq, bk, bv;  // Qwen2's q/k/v biases; empty when the model has none
};

struct ModelWeights {
  Matrix tokenEmbedding;          // [vocab, hidden]
  Matrix output;                  // lm_head; empty when tied to the embedding
  std::vector<float> outputNorm;
  std::vector<float> ropeFreqFactors;  // GGUF rope_freqs.weight (Llama-3 scaling baked per frequency); may be empty
  std::vector<LayerWeights> layers;
  std::vector<std::pair<std::string, int>> typeCounts;

  const Matrix& lmHead() const { return output.empty() ? tokenEmbedding : output; }
  size_t nativeBytes() const;
};

// Throws ModelError naming the file and the tensor that is missing or has the wrong shape. With
// integerKernels false, quantized matrices stay in the file's layout and every matmul runs in fp32 on rows
// dequantized as they are read (ModelOptions::exactMatmul).
ModelWeights loadWeights(const TensorSource& src, ModelConfig& config, bool integerKernels = true);

}  // namespace unisparse
