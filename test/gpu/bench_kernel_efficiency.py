"""Kernel efficiency of the UniSparse CUDA path against cuDNN, side by side in one process (bf16, causal, batch 1).

- every 'ours' time is the kernel the library picks (the wgmma kernel on Hopper); 'mma' columns time the mma.sync
  kernel (UNISPARSE_ATTENTION_KERNEL=mma, the sm_80 path) on the same inputs in the same process;
- dense: our dense kernel vs torch SDPA's cuDNN backend at N = 8K, 32K, 128K (BENCH_EFF_LENGTHS), head dims 64 and
  128, MHA 32/32 and GQA 32/8 (cuDNN gets K/V repeated to 32 heads: same FLOPs);
- sparse efficiency = (density x cuDNN dense time) / our block-sparse attention time, on fresh random inputs with
  plans of a fixed per-row budget (min = max blocks, estimate only) at densities 0.05 to 0.6; 1.0 would mean the
  sparse kernel runs its kept blocks at cuDNN's dense throughput;
- plan share: estimate + select (with and without the last-block check) as a share of the sparse total at the
  longest length, planted 'realistic' workload, S = 128, tau 0.95, bf16 estimate, the library's default
  granularities for the shape (the headline configuration), and {4, 16} for MHA beside its default.
Writes bench-efficiency.json and prints a markdown table last."""
import json
import os
import sys
import time

import torch
from torch.nn.attention import SDPBackend

sys.path.insert(0, os.path.dirname(__file__))
import reference as ref  # noqa: E402
import unisparse_cuda as us  # noqa: E402
from bench_attention import WORKLOADS, sdpa, timed  # noqa: E402

OUT = os.environ.get("OUT", ".")
PARTS = os.environ.get("BENCH_EFF_PARTS", "dense,efficiency,planShare").split(",")
LENGTHS = [int(x) for x in os.environ.get("BENCH_EFF_LENGTHS", "8192,32768,131072").split(",")]
HEADS = [(32, 32), (32, 8)]
DENSITIES = [0.05, 0.1, 0.2, 0.4, 0.6]
BLOCK = 128


def timed_mma(fn):
    """fn timed with the mma.sync kernel forced (the portable path), for a side-by-side column."""
    os.environ["UNISPARSE_ATTENTION_KERNEL"] = "mma"
    try:
        return timed(fn)
    finally:
        os.environ.pop("UNISPARSE_ATTENTION_KERNEL")


def budget_for_density(n_blocks, density):
    """Per-row budget m whose causal plan (row b keeps min(b + 1, m) blocks) has about this density."""
    causal = n_blocks * (n_blocks + 1) / 2
    best, err = 1, 2.0
    for m in range(1, n_blocks + 1):
        kept = m * (m + 1) / 2 + (n_blocks - m) * m
        if abs(kept / causal - density) < err:
            best, err = m, abs(kept / causal - density)
    return best


def dense_rows():
    rows = []
    for n in LENGTHS:
        for d in (64, 128):
            for heads, kvh in HEADS:
                q, k, v = ref.random_qkv(heads, kvh, n, d, seed=n + d + kvh)
                flops = 2.0 * n * n * d * heads
                cudnn = timed(sdpa(SDPBackend.CUDNN_ATTENTION, q, k, v))
                out = torch.empty_like(q)
                ours = timed(lambda: us.attention(q, k, v, out))
                mma_ms = timed_mma(lambda: us.attention(q, k, v, out))
                row = {"N": n, "headDim": d, "heads": heads, "kvHeads": kvh, "cudnnMs": cudnn, "oursMs": ours,
                       "mmaMs": mma_ms, "mmaVsCudnn": cudnn / mma_ms,
                       "cudnnTflops": flops / cudnn / 1e9, "oursTflops": flops / ours / 1e9, "oursVsCudnn": cudnn / ours}
                rows.append(row)
                print(json.dumps({"dense": row}), flush=True)
                del q, k, v, out
                torch.cuda.empty_cache()
    return rows


def efficiency_rows():
    rows = []
    for n in LENGTHS[-2:]:
        for heads, kvh in HEADS:
            d = 128
            q, k, v = ref.random_qkv(heads, kvh, n, d, seed=7 * n + kvh)
            cudnn = timed(sdpa(SDPBackend.CUDNN_ATTENTION, q, k, v))
            n_blocks = (n + BLOCK - 1) // BLOCK
            for target in DENSITIES:
                m = budget_for_density(n_blocks, target)
                plan = us.plan(q, k, block_size=BLOCK, tau=0.01, min_blocks=m, max_blocks=m, fast=True, check=False)
                out = torch.empty_like(q)
                attn = timed(lambda: us.attention(q, k, v, out, device_plan=plan))
                mma_ms = timed_mma(lambda: us.attention(q, k, v, out, device_plan=plan))
                row = {"N": n, "headDim": d, "heads": heads, "kvHeads": kvh, "density": plan.density, "cudnnMs": cudnn,
                       "sparseMs": attn, "efficiency": plan.density * cudnn / attn,
                       "mmaSparseMs": mma_ms, "mmaEfficiency": plan.density * cudnn / mma_ms}
                plan.free()
                rows.append(row)
                print(json.dumps({"efficiency": row}), flush=True)
            del q, k, v
            torch.cuda.empty_cache()
    return rows


def plan_share_rows():
    """The library's default granularities for each shape ({4, 16} for GQA, one of S / 16 for MHA), and for MHA also
    {4, 16}, the GQA default, as the anchor its default is measured against."""
    rows = []
    n = LENGTHS[-1]
    for heads, kvh in HEADS:
        q, k, v = ref.planted_qkv(heads, kvh, n, 128, seed=n + heads + kvh, **WORKLOADS["realistic"])
        out = torch.empty_like(q)
        variants = [None] + ([(4, 16)] if heads == kvh else [])
        for grans in variants:
            for check in (False, True):
                plans = []

                def make_plan():
                    p = us.plan(q, k, block_size=BLOCK, tau=0.95, granularities=grans, fast=True, check=check)
                    plans.append(p)
                    return p
                plan_ms = timed(make_plan, budget_ms=600)
                for p in plans[1:]:
                    p.free()
                plan = plans[0]
                os.environ["UNISPARSE_PLAN_PROFILE"] = "1"
                print(f"[{heads}/{kvh} N={n} g={grans or 'default'} check={check}] ", end="", flush=True)
                us.plan(q, k, block_size=BLOCK, tau=0.95, granularities=grans, fast=True, check=check).free()
                torch.cuda.synchronize()
                os.environ.pop("UNISPARSE_PLAN_PROFILE")
                attn = timed(lambda: us.attention(q, k, v, out, device_plan=plan))
                mask = plan.mask()
                shown = list(grans) if grans else ([BLOCK // 16] if heads == kvh else [4, 16])
                row = {"N": n, "heads": heads, "kvHeads": kvh, "granularities": shown, "default": grans is None,
                       "check": check, "planMs": plan_ms, "attnMs": attn,
                       "planShare": plan_ms / (plan_ms + attn), "density": plan.density,
                       "recall": ref.attention_recall(q, k, mask, BLOCK, rows=128)}
                plan.free()
                rows.append(row)
                print(json.dumps({"planShare": row}), flush=True)
        del q, k, v, out
        torch.cuda.empty_cache()
    return rows


def main():
    gpu = torch.cuda.get_device_name()
    result = {"gpu": gpu, "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__,
              "dense": dense_rows() if "dense" in PARTS else [],
              "efficiency": efficiency_rows() if "efficiency" in PARTS else [],
              "planShare": plan_share_rows() if "planShare" in PARTS else []}
    with open(os.path.join(OUT, "bench-efficiency.json"), "w") as f:
        json.dump(result, f, indent=1)
    lines = [f"Kernel efficiency, {gpu}, {result['date']} (bf16, causal, batch 1)", "",
             "| N | d | heads q/kv | cuDNN ms | ours ms | ours TFLOP/s | ours / cuDNN throughput | mma.sync ms | mma.sync / cuDNN |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in result["dense"]:
        lines.append(f"| {r['N']} | {r['headDim']} | {r['heads']}/{r['kvHeads']} | {r['cudnnMs']:.2f} | {r['oursMs']:.2f} | "
                     f"{r['oursTflops']:.0f} | {r['oursVsCudnn']:.2f} | {r['mmaMs']:.2f} | {r['mmaVsCudnn']:.2f} |")
    lines += ["", "| N | heads q/kv | density | cuDNN dense ms | our sparse ms | efficiency | mma.sync ms | mma.sync efficiency |",
              "|---|---|---|---|---|---|---|---|"]
    for r in result["efficiency"]:
        lines.append(f"| {r['N']} | {r['heads']}/{r['kvHeads']} | {r['density']:.3f} | {r['cudnnMs']:.2f} | "
                     f"{r['sparseMs']:.2f} | {r['efficiency']:.2f} | {r['mmaSparseMs']:.2f} | {r['mmaEfficiency']:.2f} |")
    lines += ["", "| N | heads q/kv | granularities | last-block check | plan ms | attention ms | plan share | density | recall |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in result["planShare"]:
        grans = ",".join(map(str, r.get("granularities", [4, 16]))) + (" (default)" if r.get("default", True) else "")
        lines.append(f"| {r['N']} | {r['heads']}/{r['kvHeads']} | {grans} | {'on' if r['check'] else 'off'} | {r['planMs']:.2f} | "
                     f"{r['attnMs']:.2f} | {100 * r['planShare']:.1f}% | {r['density']:.3f} | {r['recall']:.3f} |")
    md = "\n".join(lines) + "\n"
    with open(os.path.join(OUT, "bench-efficiency.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
