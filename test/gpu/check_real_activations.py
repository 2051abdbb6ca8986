"""The CUDA kernels and the CUDA plan on REAL attention inputs: post-RoPE Q/K/V of SmolLM2-135M captured on the CPU
runtime (test/gpu/captureRealActivations.ts writes them, bf16-rounded, with the CPU plan for the same inputs).

Checks, per captured layer:
  - dense and sparse outputs against float32 torch attention (sparse: restricted to the GPU's own plan), with the same
    tolerance as check_attention.py: max abs <= 2e-2 and ||out - ref|| / ||ref|| <= 1e-2;
  - the GPU plan equals the CPU plan (native/src/attention) on >= 99% of rows (differences only at near-ties);
  - recall and density of that plan, and the sparse output's error against dense attention.
Usage: UNISPARSE_CUDA_LIB=... python3 test/gpu/check_real_activations.py <dir written by captureRealActivations.ts>"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import reference as ref  # noqa: E402
import unisparse_cuda as us  # noqa: E402

MAX_ABS, MAX_REL = 2e-2, 1e-2


def load(path, shape):
    """path without its suffix: raw bf16 (.bf16) or bf16-rounded float32 (.f32, older captures)."""
    if os.path.exists(path + ".bf16"):
        bits = torch.from_numpy(np.fromfile(path + ".bf16", dtype=np.int16).reshape(shape))
        return bits.view(torch.bfloat16).cuda()
    return torch.from_numpy(np.fromfile(path + ".f32", dtype=np.float32).reshape(shape)).cuda().bfloat16()


def main(src):
    manifest = json.load(open(os.path.join(src, "manifest.json")))
    failures, rows = [], []
    for layer in manifest["layers"]:
        base = os.path.join(src, layer["files"])
        h, kvh, d, n, nb = layer["heads"], layer["kvHeads"], layer["headDim"], layer["seq"], layer["nBlocks"]
        q, k, v = load(base + ".q", (h, n, d)), load(base + ".k", (kvh, n, d)), load(base + ".v", (kvh, n, d))
        assert q.float().abs().max() > 0, "real activations must not be zeros"
        cpu_mask = torch.from_numpy(np.fromfile(base + ".cpu-mask.u8", dtype=np.uint8).reshape(kvh, nb, nb)).cuda().bool()
        row = {"layer": layer["layer"], "heads": h, "kvHeads": kvh, "headDim": d, "seq": n, "tau": layer["tau"]}
        dense = torch.full_like(q, float("nan"))
        us.attention(q, k, v, dense)
        expect = ref.masked_attention(q, k, v)
        plan = us.plan(q, k, block_size=layer["blockSize"], tau=layer["tau"], granularities=tuple(layer["granularities"]))
        mask = plan.mask()
        sparse = torch.full_like(q, float("nan"))
        us.attention(q, k, v, sparse, device_plan=plan)
        expect_sparse = ref.masked_attention(q, k, v, mask, layer["blockSize"])
        for name, out, exp in (("dense", dense, expect), ("sparse", sparse, expect_sparse)):
            out = out.float()
            abs_err = (out - exp).abs().max().item() if torch.isfinite(out).all() else float("inf")
            rel_err = ((out - exp).norm() / exp.norm()).item() if torch.isfinite(out).all() else float("inf")
            row[name] = {"maxAbs": abs_err, "rel": rel_err}
            if not (abs_err <= MAX_ABS and rel_err <= MAX_REL):
                failures.append(f"layer {layer['layer']} {name}: max abs {abs_err:.3e}, rel {rel_err:.3e} over tolerance")
        same = (mask == cpu_mask).all(-1).float().mean().item()
        row.update(planRowsEqualCpu=same, gpuDensity=plan.density, cpuDensity=layer["cpuDensity"],
                   recallSampled=ref.attention_recall(q, k, mask, layer["blockSize"], rows=256),
                   sparseRelErrVsDense=((sparse.float() - expect).norm() / expect.norm()).item())
        if same < 0.99:
            failures.append(f"layer {layer['layer']}: GPU plan equals the CPU plan on only {same:.4f} of rows")
        plan.free()
        rows.append(row)
        print(json.dumps(row), flush=True)
    out_dir = os.environ.get("OUT", ".")
    with open(os.path.join(out_dir, "check-real.json"), "w") as f:
        json.dump({"model": manifest["model"], "results": rows, "failures": failures,
                   "tolerance": {"maxAbs": MAX_ABS, "rel": MAX_REL}}, f, indent=1)
    print("CHECK REAL " + ("PASSED" if not failures else "FAILED:\n  " + "\n  ".join(failures)), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
