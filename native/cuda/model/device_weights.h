// The weights of a Llama-family decoder resident on the GPU in bf16: safetensors bf16 tensors are copied as
// they are, every other type (f32, f16, GGUF quantised) is dequantised on the host with the CPU runtime's row
// decoders and rounded to bf16 once. q/k/v and gate/up are stored fused, so each pair or triple is one GEMM.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <string>
#include <utility>
#include <vector>

#include "device_array.h"
#include "model/model_config.h"
#include "model/tensor_source.h"

namespace unisparse::cuda {

struct DeviceLayer {
  DeviceArray<__nv_bfloat16> qkv;     // [(heads + 2 kvHeads) * D, hidden]
  DeviceArray<__nv_bfloat16> o;       // [hidden, heads * D]
  DeviceArray<__nv_bfloat16> gateUp;  // [2 * ffn, hidden]
  DeviceArray<__nv_bfloat16> down;    // [hidden, ffn]
  DeviceArray<float> qkvBias;         // Qwen2's biases; empty when the model has none
  DeviceArray<float> attnNorm, ffnNorm;
};

struct DeviceWeights {
  DeviceArray<__nv_bfloat16> embedding;  // [vocab, hidden]
  DeviceArray<__nv_bfloat16> output;     // [vocab, hidden]; empty when tied to the embedding
  DeviceArray<float> outputNorm;
  std::vector<DeviceLayer> layers;
  std::vector<float> ropeFreqFactors;    // host: GGUF rope_freqs.weight, for the Rope tables
  std::vector<std::pair<std::string, int>> typeCounts;

  const __nv_bfloat16* lmHead() const { return output.empty() ? embedding.get() : output.get(); }
  size_t bytes() const;
};

// Throws ModelError naming the file and tensor that is missing or mis-shaped, or a CUDA out-of-memory sentence.
// Completes config.vocabSize and config.tiedEmbeddings as the CPU loader does.
DeviceWeights loadDeviceWeights(const TensorSource& src, ModelConfig& config);

}  // namespace unisparse::cuda
