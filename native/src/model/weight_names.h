// Tensor names of each weight role in the two formats a model comes in, shared by the CPU loader (weights.cpp)
// and the GPU loader (native/cuda/model/device_weights.cu) so that both find the same tensors.
#pragma once
#include <string>

namespace unisparse {

// "#" stands for the layer index.
struct RoleNames { const char* gguf; const char* hf; };

namespace roles {
inline const RoleNames kEmbedding{"token_embd.weight", "model.embed_tokens.weight"};
inline const RoleNames kOutput{"output.weight", "lm_head.weight"};
inline const RoleNames kOutputNorm{"output_norm.weight", "model.norm.weight"};
inline const RoleNames kAttnNorm{"blk.#.attn_norm.weight", "model.layers.#.input_layernorm.weight"};
inline const RoleNames kFfnNorm{"blk.#.ffn_norm.weight", "model.layers.#.post_attention_layernorm.weight"};
inline const RoleNames kQ{"blk.#.attn_q.weight", "model.layers.#.self_attn.q_proj.weight"};
inline const RoleNames kK{"blk.#.attn_k.weight", "model.layers.#.self_attn.k_proj.weight"};
inline const RoleNames kV{"blk.#.attn_v.weight", "model.layers.#.self_attn.v_proj.weight"};
inline const RoleNames kO{"blk.#.attn_output.weight", "model.layers.#.self_attn.o_proj.weight"};
inline const RoleNames kQBias{"blk.#.attn_q.bias", "model.layers.#.self_attn.q_proj.bias"};
inline const RoleNames kKBias{"blk.#.attn_k.bias", "model.layers.#.self_attn.k_proj.bias"};
inline const RoleNames kVBias{"blk.#.attn_v.bias", "model.layers.#.self_attn.v_proj.bias"};
inline const RoleNames kGate{"blk.#.ffn_gate.weight", "model.layers.#.mlp.gate_proj.weight"};
inline const RoleNames kUp{"blk.#.ffn_up.weight", "model.layers.#.mlp.up_proj.weight"};
inline const RoleNames kDown{"blk.#.ffn_down.weight", "model.layers.#.mlp.down_proj.weight"};
}  // namespace roles

inline std::string tensorName(const RoleNames& role, int layer, bool gguf) {
  std::string n = gguf ? role.gguf : role.hf;
  const size_t at = n.find('#');
  if (at != std::string::npos) n.replace(at, 1, std::to_string(layer));
  return n;
}

}  // namespace unisparse
