"""Time to first token of transformers on the same weights: `python3 bench_transformers.py MODEL_DIR OUT.json 8192,32768`.
Prefill of N tokens with only the last position's logits (logits_to_keep=1, no KV cache returned), bf16, torch
SDPA restricted to its FlashAttention-2 backend and to its cuDNN backend in turn; CUDA-synchronised wall time,
best of two after a warm-up."""
import json
import sys
import time

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from transformers import AutoModelForCausalLM

BACKENDS = {"fa2": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION}


def ttft(model, ids):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    with torch.no_grad():
        model(ids, use_cache=False, logits_to_keep=1)
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000


def main():
    model_dir, out, lengths = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split(",")]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, attn_implementation="sdpa").cuda().eval()
    vocab = model.config.vocab_size
    rows = []
    g = torch.Generator(device="cuda").manual_seed(0)
    for name, backend in BACKENDS.items():
        with sdpa_kernel(backend):
            ttft(model, torch.randint(0, vocab, (1, 2048), device="cuda", generator=g))
            for n in lengths:
                ids = torch.randint(0, vocab, (1, n), device="cuda", generator=g)
                try:
                    ms = min(ttft(model, ids) for _ in range(2))
                except Exception as e:  # a backend refusing a shape is a result, not a crash
                    ms = None
                    print(f"{name} N={n}: {type(e).__name__}: {str(e)[:200]}", file=sys.stderr)
                rows.append({"backend": name, "N": n, "ttftMs": ms})
                print(f"transformers {name} N={n}: {ms} ms", file=sys.stderr, flush=True)
                torch.cuda.empty_cache()
    result = {"model": model_dir, "torch": torch.__version__, "transformers": __import__("transformers").__version__,
              "gpu": torch.cuda.get_device_name(), "rows": rows}
    json.dump(result, open(out, "w"), indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
