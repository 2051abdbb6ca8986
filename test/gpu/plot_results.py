"""Plots of the GPU benchmark from its JSON (no torch needed): `python3 test/gpu/plot_results.py RESULTS.json OUT.png`.

Bars per length: SDPA FlashAttention-2, SDPA cuDNN, our dense kernel, and UniSparse (attention + estimate/select
stacked) for the fastest 'realistic'-workload plan whose recall is >= 0.95."""
import json
import sys


def best_plan(row):
    ok = [e for e in row["sparse"] if e.get("workload", "realistic") == "realistic" and e["recall"] >= 0.95]
    return min(ok or row["sparse"], key=lambda e: e["totalMs"])


def plot_bench(results, out_png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = results["rows"]
    shapes = sorted({(r["heads"], r["kvHeads"]) for r in rows}, reverse=True)
    fig, axes = plt.subplots(1, len(shapes), figsize=(6.5 * len(shapes), 4.8), squeeze=False)
    for ax, (h, kvh) in zip(axes[0], shapes):
        sel = sorted((r for r in rows if (r["heads"], r["kvHeads"]) == (h, kvh)), key=lambda r: r["N"])
        best = [best_plan(r) for r in sel]
        xs = list(range(len(sel)))
        w = 0.2
        ax.bar([x - 1.5 * w for x in xs], [r.get("fa2Ms") or 0 for r in sel], w, label="SDPA FlashAttention-2")
        ax.bar([x - 0.5 * w for x in xs], [r.get("cudnnMs") or 0 for r in sel], w, label="SDPA cuDNN")
        ax.bar([x + 0.5 * w for x in xs], [r["denseMs"] for r in sel], w, label="ours, dense")
        ax.bar([x + 1.5 * w for x in xs], [e["attnMs"] for e in best], w, label="UniSparse block-sparse attention")
        ax.bar([x + 1.5 * w for x in xs], [e["planMs"] for e in best], w, bottom=[e["attnMs"] for e in best],
               label="UniSparse estimate + select")
        ax.set_yscale("log")
        low = min(min(e["attnMs"] for e in best), min(e["planMs"] for e in best))
        ax.set_ylim(bottom=low / 2)
        ax.set_xticks(xs, [f"{r['N'] // 1024}K" for r in sel])
        ax.set_ylabel("ms (log scale)")
        ax.set_title(f"{h} q / {kvh} kv heads; UniSparse: fastest plan with recall >= 0.95\n"
                     + ", ".join(f"S={e['blockSize']} g={'/'.join(map(str, e['granularities']))} tau={e['tau']} "
                                 f"d={e['density']:.2f}" for e in best), fontsize=8)
        for x, r, e in zip(xs, sel, best):
            if r.get("fa2Ms"):
                ax.text(x + 1.5 * w, e["totalMs"] * 1.15, f"{r['fa2Ms'] / e['totalMs']:.1f}x FA2\n"
                        f"{r['cudnnMs'] / e['totalMs']:.1f}x cuDNN", ha="center", fontsize=7)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Causal attention forward, bf16, head dim 128, batch 1, 'realistic' planted workload "
                 f"(d = density) - {results['gpu']}, {results['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)


def plot_mask(mask, title, out_png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 5.3))
    ax.imshow(mask, cmap="Greys", interpolation="nearest")
    ax.set_xlabel("key block")
    ax.set_ylabel("query block")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        plot_bench(json.load(f), sys.argv[2])
