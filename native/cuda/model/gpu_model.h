// The Llama-family forward pass on the GPU, behind unisparse::Model when it is loaded with device 'cuda'.
// Weights (bf16) and the KV cache (bf16, [kvHeads, capacity, headDim] per layer) stay on the device; a call
// runs one chunk of tokens through every layer and leaves its final hidden states there, so only the logits
// rows that are asked for come back to the host. Prefill attention is the block-sparse flash kernel over the
// UniSparse plan (or dense), decode attention the split-K kernel. The context is fitted to free GPU memory.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attention/attention.h"
#include "model/model_config.h"
#include "model/rope.h"
#include "model/tensor_source.h"

namespace unisparse::cuda {

class GpuModel {
 public:
  // Uploads the weights, then sizes the KV cache: `requestedContext` tokens when they fit in free GPU memory,
  // else the most that fit (note() says so). Throws ModelError when not even a short context fits.
  GpuModel(const TensorSource& src, ModelConfig& config, int requestedContext);
  ~GpuModel();

  // The rotary tables come from the same Rope the CPU path uses (same scaling, same pairing).
  void setRope(const Rope& rope);
  const std::vector<float>& ropeFreqFactors() const;
  const std::vector<std::pair<std::string, int>>& typeCounts() const;

  int capacity() const;
  int chunkTokens() const;
  const std::string& note() const;  // empty, or why the context is smaller than asked
  size_t weightBytes() const;
  size_t deviceBytes() const;  // weights + KV cache + scratch held now

  // Runs n <= chunkTokens() tokens at absolute positions [position, position + n). For a prefill chunk
  // (n > 1) each layer's plan is handed to onPlan (kv heads merged, as the CPU attention returns it).
  using PlanSink = std::function<void(int layer, const BlockPlan& plan)>;
  void forward(const int32_t* tokens, int n, int position, const AttentionOptions& attention, const PlanSink& onPlan);

  // Query rows at absolute positions [from, to) (to -1: to the end of each call; from -1: none) add their exact
  // attention per key block of blockSize tokens into (*mass)[layer] during forward(), which copies it home once per
  // call (see question_attention.h). `mass` (one vector per layer) must outlive the forward calls.
  void setQuestionRows(int from, int to, int blockSize, std::vector<std::vector<double>>* mass);

  // Final norm + lm_head for rows of the last forward's chunk; row i goes to out + outRows[i] * vocab (host).
  void logits(const std::vector<int>& rows, const std::vector<size_t>& outRows, float* out);

  // Sparse decode (UNISPARSE_SPARSE_DECODE=1): the share of key blocks the decode steps so far read, over every
  // layer and kv head; -1 when it is off or no step ran. Waits for the GPU.
  double sparseDecodeKeptShare() const;

 private:
  struct State;  // CUDA types stay in gpu_model.cu, so the CPU runtime includes this header without the toolkit
  std::unique_ptr<State> s_;
};

}  // namespace unisparse::cuda
