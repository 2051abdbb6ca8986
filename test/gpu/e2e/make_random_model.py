"""Writes a Qwen2 model with random bf16 weights (Hugging Face safetensors folder) of Qwen2.5-Coder shapes, made
on the GPU so 7B shapes take seconds: `python3 make_random_model.py OUT_DIR 1.5b|7b|tiny`. Our engine and
transformers then read the same file. Random weights make near-uniform attention; they serve timing and
logits equality, never sparse-attention accuracy."""
import sys
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

SHAPES = {
    # layers, hidden, heads, kv heads, intermediate, vocab, tied embeddings (as the released models)
    "1.5b": dict(num_hidden_layers=28, hidden_size=1536, num_attention_heads=12, num_key_value_heads=2,
                 intermediate_size=8960, vocab_size=151936, tie_word_embeddings=True),
    "7b": dict(num_hidden_layers=28, hidden_size=3584, num_attention_heads=28, num_key_value_heads=4,
               intermediate_size=18944, vocab_size=152064, tie_word_embeddings=False),
    "tiny": dict(num_hidden_layers=2, hidden_size=256, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=512, vocab_size=4096, tie_word_embeddings=True),
}


def main():
    out, shape = sys.argv[1], sys.argv[2]
    t0 = time.time()
    config = Qwen2Config(**SHAPES[shape], max_position_embeddings=262144, rope_theta=1000000.0, rms_norm_eps=1e-6,
                         use_sliding_window=False)
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = Qwen2ForCausalLM(config).to(torch.bfloat16)
    # Default init gives tiny logits; a wider spread makes the logits comparison meaningful.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.normal_(0.0, 0.02 if "embed" in name else (1.0 / p.shape[1]) ** 0.5)
    model.save_pretrained(out, safe_serialization=True)
    params = sum(p.numel() for p in model.parameters())
    print(f"{shape}: {params / 1e9:.2f} B parameters written to {out} in {time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
