"""Reference logits from transformers for the engine check: `python3 hf_reference.py MODEL_DIR TOKENS.i32 K OUT.npz`
writes the last K positions' logits of the token sequence from the model in bf16 (SDPA) and in fp32 (eager math),
so the engine's error can be judged against transformers' own bf16 error."""
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM


def logits(model_dir, ids, k, dtype):
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, attn_implementation="sdpa").cuda().eval()
    with torch.no_grad():
        out = model(torch.tensor(ids, device="cuda")[None], use_cache=False, logits_to_keep=k).logits[0].float()
    del model
    torch.cuda.empty_cache()
    return out.cpu().numpy()


def main():
    model_dir, tokens, k, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    ids = np.fromfile(tokens, dtype=np.int32).astype(np.int64)
    torch.backends.cuda.matmul.allow_tf32 = False
    np.savez(out, bf16=logits(model_dir, ids, k, torch.bfloat16), fp32=logits(model_dir, ids, k, torch.float32))


if __name__ == "__main__":
    main()
