"""Time to first token against context length from the e2e results JSON (no torch needed):
`python3 test/gpu/e2e/plot_e2e.py e2e.json media/e2e-ttft.png`. One panel per model shape, log-log axes."""
import json
import sys


def main():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    data = json.load(open(sys.argv[1]))
    shapes = data["shapes"]
    if not shapes:
        print("no benchmark rows to plot")
        return
    fig, axes = plt.subplots(1, len(shapes), figsize=(6.5 * len(shapes), 4.8), squeeze=False)
    for ax, (shape, d) in zip(axes[0], shapes.items()):
        series = {}
        for r in d["transformers"]["rows"]:
            if r["ttftMs"]:
                name = "transformers + SDPA " + ("FlashAttention-2" if r["backend"] == "fa2" else "cuDNN")
                series.setdefault(name, []).append((r["N"], r["ttftMs"]))
        for r in d["engine"]["rows"]:
            series.setdefault("ours, " + r["label"], []).append((r["N"], r["ttftMs"]))
        for name, pts in series.items():
            pts.sort()
            style = "--" if name.startswith("transformers") else "-"
            ax.plot([p[0] for p in pts], [p[1] / 1000 for p in pts], style, marker="o", label=name)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("context tokens")
        ax.set_ylabel("time to first token (s)")
        e = d["engine"]
        ax.set_title(f"Qwen2.5-Coder-{shape} shapes, random bf16 weights")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(data.get("gpu", "") + " " + data.get("date", ""))
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
