#!/usr/bin/env python3
"""Bar chart of the overlay's hit@3 by the layer it reads, from the JSON that the evaluation's summary writes.

The hit rates are computed by test/eval/runEval.ts with the overlay's own scoring (server/ask/selectedBlocks.ts):

  xz -dc test/eval/results/eval-4096-gpu-dense-layers-2026-12-02.json.xz > /tmp/dense.json
  EVAL_SUMMARY=/tmp/dense.json EVAL_LAYER_HITS=/tmp/layer-hits.json npm run eval
  python3 test/eval/plot_layers.py /tmp/layer-hits.json media/overlay-layers.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    with open(sys.argv[1]) as f:
        hits = json.load(f)
    layers, (lo, hi) = hits["layers"], hits["reading"]
    reading, every = 100 * hits["readingHit"], 100 * hits["everyLayerHit"]
    fig, ax = plt.subplots(figsize=(9, 3.4), dpi=110)
    colours = ["#d9822b" if lo <= layer < hi else "#8a9bb0" for layer in range(layers)]
    ax.bar(range(layers), [100 * s for s in hits["singleLayer"]], color=colours)
    ax.axhline(every, color="#555555", linestyle="--", linewidth=1)
    ax.axhline(reading, color="#d9822b", linestyle="-", linewidth=1.5)
    ax.text(layers - 0.5, every + 1, f"every layer summed: {every:.1f}%", ha="right", va="bottom", fontsize=8, color="#555555")
    ax.text(layers - 0.5, reading + 1, f"layers {lo}-{hi - 1} summed (the overlay): {reading:.1f}%", ha="right", va="bottom",
            fontsize=8, color="#d9822b")
    ax.set_xlabel("layer read alone")
    ax.set_ylabel("overlay hit@3 (%)")
    ax.set_xticks(range(0, layers, 2))
    ax.set_ylim(0, 100)
    ax.set_title(f"Where the question reads the answer: {hits['packed']} packed answers ({hits['mode']}), SmolLM2-135M", fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[2])


if __name__ == "__main__":
    main()
