#include "model_config.h"

#include <cmath>
#include <cstdio>

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

// Numbers as a user would write them: 2147483647, not 2.14748e+09.
std::string shown(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// A whole number in [lo, hi], checked before any cast: a corrupt 2^40 must not wrap into a small int.
int integer(const TensorSource& src, const std::string& key, double fallback, bool required, double lo, double hi) {
  const double v = number(src, key, fallback, required);
  if (!std::isfinite(v) || v != std::floor(v) || v < lo || v > hi)
    fail(where(src), ": ", key, " is ", shown(v), "; it must be a whole number from ", shown(lo), " to ", shown(hi), ". The file is corrupt.");
  return int(v);
}

// A finite number in (lo, hi].
float real(const TensorSource& src, const std::string& key, double fallback, bool required, double lo, double hi) {
  const double v = number(src, key, fallback, required);
  if (!std::isfinite(v) || !(v > lo) || v > hi)
    fail(where(src), ": ", key, " is ", shown(v), "; it must be a finite number above ", shown(lo), " and at most ", shown(hi), ". The file is corrupt.");
  return float(v);
}

// Limits far beyond any released Llama-family model, tight enough that a corrupt value cannot pass for one.
constexpr double kMaxLayers = 1024, kMaxHeads = 1024, kMaxWidth = 1 << 17, kMaxFfn = 1 << 20, kMaxHeadDim = 1024;
constexpr double kMaxVocab = 1 << 24, kMaxContext = 1 << 24;

// Special token ids the tokenizer hands to the model must be rows of its embedding.
void checkTokenId(const TensorSource& src, const std::string& key, int vocab) {
  const MetaValue* v = find(src, key);
  if (!v || vocab <= 0) return;
  auto one = [&](const MetaValue& x) {
    if (!x.isNumber()) return;   // null pad ids in config.json
    const double id = x.asNumber();
    if (id < 0 || id >= vocab || id != std::floor(id))
      fail(where(src), ": ", key, " is ", shown(id), ", outside the vocabulary of ", vocab, " tokens (0 to ", vocab - 1, "). The file is corrupt.");
  };
  if (v->kind == MetaValue::Kind::Array) for (const auto& x : v->array) one(x); else one(*v);
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
  if (c.nKvHeads > c.nHeads || c.nHeads % c.nKvHeads)
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
  c.nLayers = integer(src, p + "block_count", 0, true, 1, kMaxLayers);
  c.hiddenSize = integer(src, p + "embedding_length", 0, true, 1, kMaxWidth);
  c.ffnSize = integer(src, p + "feed_forward_length", 0, true, 1, kMaxFfn);
  c.nHeads = integer(src, p + "attention.head_count", 0, true, 1, kMaxHeads);
  c.nKvHeads = integer(src, p + "attention.head_count_kv", c.nHeads, false, 1, kMaxHeads);
  c.contextLength = integer(src, p + "context_length", 2048, false, 1, kMaxContext);
  c.rmsEps = real(src, p + "attention.layer_norm_rms_epsilon", 1e-5, false, 0, 0.1);
  c.ropeTheta = real(src, p + "rope.freq_base", 10000.0, false, 1, 1e12);
  c.headDim = integer(src, p + "attention.key_length", c.hiddenSize / c.nHeads, false, 1, kMaxHeadDim);
  if (const MetaValue* v = find(src, p + "attention.value_length"); v && v->isNumber() && v->asNumber() != c.headDim)
    fail(where(src), ": ", p, "attention.value_length is ", v->asNumber(), " but the key length is ", c.headDim,
         "; this runtime needs them equal. The file is corrupt or not a Llama-family model.");
  c.ropeDim = integer(src, p + "rope.dimension_count", c.headDim, false, 2, kMaxHeadDim);
  // llama.cpp's converter permutes HF q/k rows for llama so that adjacent-pair rotation reproduces rotate_half;
  // qwen2 is converted unpermuted and run with NEOX (half-split) rotation.
  c.ropeStyle = c.architecture == "llama" ? RopeStyle::AdjacentPairs : RopeStyle::HalfSplit;
  const std::string scaling = text(src, p + "rope.scaling.type");
  if (scaling == "linear") {
    c.ropeScaling = "linear";
    c.ropeFactor = real(src, p + "rope.scaling.factor", 1.0, false, 0, 1024);
  }
  // Llama-3 scaling in GGUF is baked into the rope_freqs.weight tensor, which the weight loader applies.
  auto vocab = find(src, "tokenizer.ggml.tokens");
  c.vocabSize = integer(src, p + "vocab_size", vocab ? double(vocab->array.size()) : 0, false, 1, kMaxVocab);
  for (const char* key : {"bos_token_id", "eos_token_id", "unknown_token_id", "padding_token_id", "seperator_token_id", "eot_token_id", "eom_token_id"})
    checkTokenId(src, std::string("tokenizer.ggml.") + key, c.vocabSize);
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
  c.nLayers = integer(src, "num_hidden_layers", 0, true, 1, kMaxLayers);
  c.hiddenSize = integer(src, "hidden_size", 0, true, 1, kMaxWidth);
  c.ffnSize = integer(src, "intermediate_size", 0, true, 1, kMaxFfn);
  c.nHeads = integer(src, "num_attention_heads", 0, true, 1, kMaxHeads);
  c.nKvHeads = integer(src, "num_key_value_heads", c.nHeads, false, 1, kMaxHeads);
  c.headDim = integer(src, "head_dim", c.hiddenSize / c.nHeads, false, 1, kMaxHeadDim);
  c.ropeDim = c.headDim;
  c.contextLength = integer(src, "max_position_embeddings", 2048, false, 1, kMaxContext);
  c.rmsEps = real(src, "rms_norm_eps", 1e-6, false, 0, 0.1);
  c.vocabSize = integer(src, "vocab_size", 0, true, 1, kMaxVocab);
  for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id"}) checkTokenId(src, key, c.vocabSize);
  c.ropeStyle = RopeStyle::HalfSplit;
  // transformers 5 moves rope settings into rope_parameters; older configs use rope_theta + rope_scaling.
  const bool v5 = find(src, "rope_parameters.rope_theta") || find(src, "rope_parameters.rope_type");
  const std::string ps = v5 ? "rope_parameters." : "rope_scaling.";
  c.ropeTheta = v5 ? real(src, "rope_parameters.rope_theta", real(src, "rope_theta", 10000.0, false, 1, 1e12), false, 1, 1e12)
                   : real(src, "rope_theta", 10000.0, false, 1, 1e12);
  std::string type = text(src, ps + "rope_type");
  if (type.empty()) type = text(src, ps + "type");
  if (type == "llama3") {
    c.ropeScaling = "llama3";
    c.ropeFactor = real(src, ps + "factor", 8.0, true, 0, 1024);
    c.lowFreqFactor = real(src, ps + "low_freq_factor", 1.0, false, 0, 1024);
    c.highFreqFactor = real(src, ps + "high_freq_factor", 4.0, false, 0, 1024);
    c.originalContext = integer(src, ps + "original_max_position_embeddings", 8192, false, 1, kMaxContext);
    if (c.highFreqFactor <= c.lowFreqFactor)
      fail(where(src), ": ", ps, "high_freq_factor (", c.highFreqFactor, ") must be above low_freq_factor (", c.lowFreqFactor, ").");
  } else if (type == "linear") {
    c.ropeScaling = "linear";
    c.ropeFactor = real(src, ps + "factor", 1.0, true, 0, 1024);
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
