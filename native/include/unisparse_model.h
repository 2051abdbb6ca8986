// C++ API of the UniSparse model runtime: load a Llama-family model (GGUF or a Hugging Face safetensors folder),
// evaluate token chunks against a KV cache, and report what the attention kept. The Node binding and C++ tests
// use only this header.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attention/attention.h"
#include "model/metadata.h"

namespace unisparse {

struct ModelOptions {
  int threads = 0;                    // 0 = hardware_concurrency
  AttentionMode attention = AttentionMode::Dense;
  float tau = UniSparseConfig{}.tau;  // the attention subsystem's tuned default
  int blockSize = UniSparseConfig{}.blockSize;
  int maxBlocks = 0;                  // UniSparse per-row budget of key blocks (0 = none; sink + diagonal always kept)
  float neighbourShare = UniSparseConfig{}.neighbourShare;  // neighbour expansion threshold (attention.h)
  float checkRecall = UniSparseConfig{}.checkRecall;        // last-block check: a head whose estimate holds less of
                                                            // the last block's exact mass is widened (attention.h)
  int copyRecent = UniSparseConfig{}.copyRecent;  // copy sources per query kept by UniSparse plans (0 = off)
  int copyNgram = UniSparseConfig{}.copyNgram;    // tokens that must match for a copy source (1-3)
  int maxContext = 0;                 // KV cache capacity; 0 = min(model context, 8192 on the CPU, 32768 on the GPU)
  std::vector<int> captureLayers;     // layers whose post-RoPE Q/K/V the last eval keeps (CPU only)
  // CPU only: every matmul in fp32 on weights dequantized row by row, instead of the integer kernels that round
  // activations to 8 bits per block. Slower (about 1.4x at 4K tokens), but the logits become a smooth function of
  // the attention output, so accuracy measurements see an approximation's own effect: with 8-bit activations, a
  // change of 1e-6 in one layer already flips roundings that move 2% of next-token predictions.
  bool exactMatmul = false;
  std::string device = "cpu";         // "cuda": the whole model on the GPU (CUDA builds): bf16 weights, KV cache
};

struct ModelInfo {
  std::string architecture, format;
  int nLayers = 0, nHeads = 0, nKvHeads = 0, headDim = 0, hiddenSize = 0, vocabSize = 0, contextLength = 0;
  float ropeTheta = 0;
  bool tiedEmbeddings = false;
  std::vector<std::pair<std::string, int>> weightTypes;  // type name -> number of tensors (as stored in the file)
  std::string device = "cpu";         // where it runs: "cpu" or "cuda"
  int capacity = 0;                   // KV cache capacity in tokens (fitted to free GPU memory on 'cuda')
  int prefillChunk = 0;               // tokens the runtime prefills at a time (by thread count on the CPU)
  std::string deviceNote;             // empty, or why the capacity is smaller than asked
  size_t deviceBytes = 0;             // GPU memory held at load (weights + KV cache + scratch); 0 on the CPU
  size_t deviceWeightBytes = 0;       // of which weights (bf16)
};

enum class LogitsMode { Last, All, None, Rows };
struct LogitsRequest {
  LogitsMode mode = LogitsMode::Last;
  std::vector<int> rows;              // for Rows: indices into this eval's tokens
};

struct AttentionReport {
  AttentionMode mode = AttentionMode::Dense;
  double density = 1.0;               // kept / causal blocks over the last eval's layers and kv heads
  int blockSize = 64;
  int nBlocks = 0;                    // key blocks covering the cache after the last eval
  std::vector<float> keyBlockScore;   // per key block: mean estimated share where kept, 0 where never kept
  // Per key block: the exact softmax attention the question's rows gave it, summed over heads, layers and rows,
  // leaving out the sink block and each row's own block (see setQuestionRows); empty when not asked for.
  std::vector<float> questionBlockMass;
  // The same per layer: layer l's mass of key block b at [l * questionBlockMass.size() + b].
  std::vector<float> questionLayerMass;
  int heatmapLayer = 0, heatmapHead = 0;
  std::vector<uint8_t> heatmap;       // nBlocks * nBlocks, row = query block (rows not in the last eval are 0)
};

struct CapturedQkv {
  std::vector<float> q, k, v;         // [heads, seq, headDim] and [kvHeads, seq, headDim]
  int heads = 0, kvHeads = 0, headDim = 0, seq = 0;
};

class Model {
 public:
  // Throws ModelError naming the file, the tensor or the option and the problem.
  static std::unique_ptr<Model> load(const std::string& path, const ModelOptions& opts);
  ~Model();

  const ModelInfo& info() const;
  const MetaValue* metadata(const std::string& key) const;  // null when absent

  // Appends tokens to the KV cache at position() and returns logits [rows, vocab] as the request asks.
  // Throws ModelError for a token id outside the vocabulary or a cache overflow (the cache is left unchanged).
  std::vector<float> eval(const int32_t* tokens, size_t n, const LogitsRequest& request);

  int position() const;
  int capacity() const;
  void truncate(int n);  // keeps the first n cached tokens (n <= position())
  void reset();
  // Rows at positions [from, to) (to -1: no end), in the following evals, accumulate their attention per key block
  // into lastAttention().questionBlockMass (CPU and GPU; from -1 stops). Calling it clears the sums.
  void setQuestionRows(int from, int to = -1);
  void setAttention(AttentionMode mode, float tau, int blockSize, int maxBlocks = 0);
  const AttentionReport& lastAttention() const;
  const CapturedQkv* captured(int layer) const;  // null unless the layer was listed in captureLayers
  size_t nativeBytes() const;                     // memory owned outside the mapped file (KV cache, packed weights)
  // GPU sparse decode (environment UNISPARSE_SPARSE_DECODE=1 at load): the share of key blocks its decode steps
  // read so far, over every layer and kv head; -1 when it is off, on the CPU, or before the first step.
  double sparseDecodeKeptShare() const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unisparse
