"""Engine logits against transformers': `python3 compare_logits.py REF.npz ENGINE.f32 LABEL`.
Tolerance (bf16): the engine's relative L2 error against transformers in fp32 must be at most twice transformers'
own bf16 error against its fp32 (plus 0.005). Top-1 agreement is reported, not gated: random weights give
near-ties that bf16 rounding flips (transformers' own bf16 run is reported beside it).
Prints one JSON line; exit status 1 when the check fails."""
import json
import sys

import numpy as np


def main():
    ref = np.load(sys.argv[1])
    fp32, bf16 = ref["fp32"], ref["bf16"]
    k, vocab = fp32.shape
    ours = np.fromfile(sys.argv[2], dtype=np.float32).reshape(-1, vocab)[-k:]
    rel = lambda a, b: float(np.linalg.norm(a - b) / np.linalg.norm(b))
    ours_err, hf_err = rel(ours, fp32), rel(bf16, fp32)
    top1 = float(np.mean(ours.argmax(1) == fp32.argmax(1)))
    top1_hf = float(np.mean(bf16.argmax(1) == fp32.argmax(1)))
    ok = ours_err <= 2 * hf_err + 0.005
    print(json.dumps({"check": sys.argv[3], "rows": k, "oursRelErr": round(ours_err, 5), "hfBf16RelErr": round(hf_err, 5),
                      "top1VsFp32": top1, "hfBf16Top1VsFp32": top1_hf, "maxAbs": float(np.abs(ours - fp32).max()),
                      "pass": ok}), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
