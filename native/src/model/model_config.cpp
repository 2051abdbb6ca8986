#include "model_config.h"

#include <cmath>

#include "common/error.h"

namespace unisparse {

namespace {

const MetaValue* find(const TensorSource& src, const std::string& key) {
  auto it = src.metadata.find(key);
  return it == src.metadata.end() ? nullptr : &it->second;
}

// The file a user would fix: config.json for a Hugging Face folder, the .gguf otherwise.
std::string where(const TensorSource& src) {
  return src.format == "gguf" ? src.path + ": the GGUF metadata" : src.path + "/config.json";
}

double number(const TensorSource& src, const std::string& key, double fallback, bool required) {
  const MetaValue* v = find(src, key);
  if (!v) {
    if (required) fail(where(src), " lacks ", key, ", which a Llama-family model needs.");
    return fallback;
  }
  if (!v->isNumber()) fail(where(src), ": ", key, " is not a number.");
  return v->asNumber();
}

std::string text(const TensorSource& src, const std::string& key) {
  const MetaValue* v = find(src, key);
  return v && v->kind == MetaValue::Kind::String ? v->s : std::string();
}

// Architecture names that share the Llama graph (the same tensors and math).
std::string canonicalArch(const std::string& raw) {
  if (raw == "llama" || raw == "smollm" || raw == "mistral" || raw == "deepseek" || raw == "deepseek-coder") return "llama";
  if (raw == "qwen2") return "qwen2";
  return "";
}

void check(const TensorSource& src, const ModelConfig& c) {
  auto positive = [&](int v, const char* what) {
    if (v <= 0) fail(src.path, ": ", what, " is ", v, "; it must be positive.");
  };
  positive(c.nLayers, "the layer count");
  positive(c.nHeads, "the attention head count");
  positive(c.nKvHeads, "the key/value head count");
  positive(c.hiddenSize, "the hidden size");
  positive(c.ffnSize, "the feed-forward size");
  positive(c.headDim, "the head dimension");
  if (c.nHeads % c.nKvHeads)
    fail(src.path, ": ", c.nHeads, " attention heads are not a multiple of ", c.nKvHeads, " key/value heads.");
  if (c.ropeDim <= 0 || c.ropeDim > c.headDim || c.ropeDim % 2)
    fail(src.path, ": the rotary dimension ", c.ropeDim, " must be even and at most the head dimension ", c.headDim, ".");
}

ModelConfig fromGguf(const TensorSource& src) {
  ModelConfig c;
  c.format = "gguf";
  const std::string raw = text(src, "general.architecture");
  if (raw.empty()) fail(src.path, ": the GGUF metadata lacks general.architecture.");
  c.architecture = canonicalArch(raw);
  if (c.architecture.empty())
    fail(src.path, ": architecture '", raw, "' is not supported (supported: llama, qwen2, smollm, mistral, deepseek).");
  const std::string p = raw + ".";
  c.nLayers = int(number(src, p + "block_count", 0, true));
  c.hiddenSize = int(number(src, p + "embedding_length", 0, true));
  c.ffnSize = int(number(src, p + "feed_forward_length", 0, true));
  c.nHeads = int(number(src, p + "attention.head_count", 0, true));
  c.nKvHeads = int(number(src, p + "attention.head_count_kv", c.nHeads, false));
  c.contextLength = int(number(src, p + "context_length", 2048, false));
  c.rmsEps = float(number(src, p + "attention.layer_norm_rms_epsilon", 1e-5, false));
  c.ropeTheta = float(number(src, p + "rope.freq_base", 10000.0, false));
  c.headDim = c.nHeads > 0 ? int(number(src, p + "attention.key_length", c.hiddenSize / c.nHeads, false)) : 0;
  c.ropeDim = int(number(src, p + "rope.dimension_count", c.headDim, false));
  // llama.cpp's converter permutes HF q/k rows for llama so that adjacent-pair rotation reproduces rotate_half;
  // qwen2 is converted unpermuted and run with NEOX (half-split) rotation.
  c.ropeStyle = c.architecture == "llama" ? RopeStyle::AdjacentPairs : RopeStyle::HalfSplit;
  const std::string scaling = text(src, p + "rope.scaling.type");
  if (scaling == "linear") {
    c.ropeScaling = "linear";
    c.ropeFactor = float(number(src, p + "rope.scaling.factor", 1.0, false));
  }
  // Llama-3 scaling in GGUF is baked into the rope_freqs.weight tensor, which the weight loader applies.
  auto vocab = find(src, "tokenizer.ggml.tokens");
  c.vocabSize = int(number(src, p + "vocab_size", vocab ? double(vocab->array.size()) : 0, false));
  c.tiedEmbeddings = src.tensors.count("output.weight") == 0;
  return c;
}

ModelConfig fromConfigJson(const TensorSource& src) {
  ModelConfig c;
  c.format = "safetensors";
  std::string raw = text(src, "model_type");
  if (raw.empty()) {
    const MetaValue* archs = find(src, "architectures");
    if (archs && archs->kind == MetaValue::Kind::Array && !archs->array.empty()) {
      const std::string& a = archs->array[0].s;
      if (a.rfind("Qwen2", 0) == 0) raw = "qwen2";
      else if (a.rfind("Llama", 0) == 0 || a.rfind("Mistral", 0) == 0) raw = "llama";
    }
  }
  c.architecture = canonicalArch(raw);
  if (c.architecture.empty())
    fail(src.path, "/config.json: model_type '", raw, "' is not supported (supported: llama, qwen2, mistral).");
  c.nLayers = int(number(src, "num_hidden_layers", 0, true));
  c.hiddenSize = int(number(src, "hidden_size", 0, true));
  c.ffnSize = int(number(src, "intermediate_size", 0, true));
  c.nHeads = int(number(src, "num_attention_heads", 0, true));
  c.nKvHeads = int(number(src, "num_key_value_heads", c.nHeads, false));
  c.headDim = c.nHeads > 0 ? int(number(src, "head_dim", c.hiddenSize / c.nHeads, false)) : 0;
  c.ropeDim = c.headDim;
  c.contextLength = int(number(src, "max_position_embeddings", 2048, false));
  c.rmsEps = float(number(src, "rms_norm_eps", 1e-6, false));
  c.vocabSize = int(number(src, "vocab_size", 0, true));
  c.ropeStyle = RopeStyle::HalfSplit;
  // transformers 5 moves rope settings into rope_parameters; older configs use rope_theta + rope_scaling.
  const bool v5 = find(src, "rope_parameters.rope_theta") || find(src, "rope_parameters.rope_type");
  const std::string ps = v5 ? "rope_parameters." : "rope_scaling.";
  c.ropeTheta = float(v5 ? number(src, "rope_parameters.rope_theta", number(src, "rope_theta", 10000.0, false), false)
                         : number(src, "rope_theta", 10000.0, false));
  std::string type = text(src, ps + "rope_type");
  if (type.empty()) type = text(src, ps + "type");
  if (type == "llama3") {
    c.ropeScaling = "llama3";
    c.ropeFactor = float(number(src, ps + "factor", 8.0, true));
    c.lowFreqFactor = float(number(src, ps + "low_freq_factor", 1.0, false));
    c.highFreqFactor = float(number(src, ps + "high_freq_factor", 4.0, false));
    c.originalContext = int(number(src, ps + "original_max_position_embeddings", 8192, false));
  } else if (type == "linear") {
    c.ropeScaling = "linear";
    c.ropeFactor = float(number(src, ps + "factor", 1.0, true));
  } else if (!type.empty() && type != "default") {
    fail(src.path, "/config.json: rope scaling type '", type, "' is not supported (supported: default, linear, llama3).");
  }
  const MetaValue* tie = find(src, "tie_word_embeddings");
  c.tiedEmbeddings = (tie && tie->kind == MetaValue::Kind::Bool) ? tie->b : false;
  if (!src.tensors.count("lm_head.weight")) c.tiedEmbeddings = true;
  return c;
}

}  // namespace

ModelConfig readModelConfig(const TensorSource& src) {
  ModelConfig c = src.format == "gguf" ? fromGguf(src) : fromConfigJson(src);
  check(src, c);
  return c;
}

}  // namespace unisparse
