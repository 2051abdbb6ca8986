"""The kernel-efficiency plot from a bench_kernel_efficiency.py result (no torch needed):
    python3 test/gpu/plot_efficiency.py results/<run>/bench-efficiency.json out.png
Left: dense throughput as a share of cuDNN's against N, the kernel the library picks (wgmma on Hopper) beside the
mma.sync kernel, per head dim and head layout. Right: sparse efficiency (density x cuDNN dense time / our sparse
time) against density."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw_pairs(ax, rows, x_key, series):
    """One solid/dashed pair of lines per (series value, head layout): our picked kernel and the mma.sync kernel."""
    for (match, colour, name), (ours_key, mma_key) in series:
        for heads, kv, style in ((32, 32, "-"), (32, 8, "--")):
            picked = sorted((r for r in rows if match(r) and r["heads"] == heads and r["kvHeads"] == kv),
                            key=lambda r: r[x_key])
            if not picked:
                continue
            xs = [r[x_key] for r in picked]
            ax.plot(xs, [r[ours_key] for r in picked], style, marker="o", color=colour,
                    label=f"wgmma kernel (Hopper), {name}, {heads}/{kv}")
            ax.plot(xs, [r[mma_key] for r in picked], style, marker="x", color=colour, alpha=0.4,
                    label=f"mma.sync, {name}, {heads}/{kv}")
    ax.legend(fontsize=7, loc="lower right")


def main(src, dst):
    with open(src) as f:
        result = json.load(f)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    draw_pairs(left, result["dense"], "N",
               [(((lambda r, d=d: r["headDim"] == d), colour, f"d{d}"), ("oursVsCudnn", "mmaVsCudnn"))
                for d, colour in ((128, "tab:blue"), (64, "tab:orange"))])
    lengths = sorted({r["N"] for r in result["dense"]})
    left.axhline(1.0, color="grey", linewidth=0.8)
    left.axhline(0.9, color="grey", linewidth=0.8, linestyle=":")
    left.set_xscale("log", base=2)
    left.set_xticks(lengths, [f"{n // 1024}K" for n in lengths])
    left.set_ylim(0.4, 1.05)
    left.set_xlabel("sequence length (causal, bf16, batch 1)")
    left.set_ylabel("dense throughput / cuDNN")
    left.set_title("Dense attention vs cuDNN")
    draw_pairs(right, result["efficiency"], "density",
               [(((lambda r, n=n: r["N"] == n), colour, f"{n // 1024}K"), ("efficiency", "mmaEfficiency"))
                for n, colour in ((131072, "tab:green"), (32768, "tab:purple"))])
    right.axhline(0.85, color="grey", linewidth=0.8, linestyle=":")
    right.set_ylim(0.4, 1.0)
    right.set_xlabel("density (share of causal blocks kept, S 128, head dim 128)")
    right.set_ylabel("density x cuDNN dense time / sparse time")
    right.set_title("Block-sparse efficiency")
    fig.suptitle(f"{result['gpu']}, {result['date']}")
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
