#!/usr/bin/env python3
"""Overlay hit@3 by the layer the overlay reads, from an evaluation's records with per-layer masses.

For each layer alone, and for the reading layers and every layer together, the share of packed answers whose lines
are among the top three overlay places, scored as server/ask/selectedBlocks.ts scores them (the question's share of a
block over the neutral question's, smoothed by a twentieth of an even share; the twelve best block ranges grouped
into places). Writes a bar chart.

  python3 test/eval/plot_layers.py test/eval/results/eval-4096-gpu-dense-layers-2026-12-02.json.xz media/overlay-layers.png
"""
import json
import lzma
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SMOOTHING = 0.05      # BASELINE_SMOOTHING
MAX_BLOCKS = 12       # selectedBlocksFromScores' maxBlocks
PLACE_LINE_GAP = 3    # PLACE_LINE_GAP
READING = (7 / 15, 2 / 3)


def load(path):
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def relative_scores(mass, base):
    total = sum(m for m in mass if m > 0)
    base_total = sum(b for b in base if b > 0)
    read = sum(1 for m in mass if m > 0)
    even = 1 / max(1, read)
    out = [0.0] * len(mass)
    if total <= 0:
        return out
    for b, m in enumerate(mass):
        if m <= 0:
            continue
        share = base[b] / base_total if base_total > 0 and b < len(base) and base[b] > 0 else 0
        out[b] = m / total / (share + SMOOTHING * even)
    return out


def places(scores, a):
    best_score = max(scores, default=0)
    if best_score <= 0:
        return []
    ranges = {}
    for b, s in enumerate(scores):
        if s <= 0:
            continue
        if b * a["blockSize"] >= a["promptTokens"]:
            break
        for r in a["blockLines"][b]:
            key = (r["file"], r["startLine"], r["endLine"])
            if key not in ranges or ranges[key]["score"] < s / best_score:
                ranges[key] = dict(file=r["file"], start=r["startLine"], end=r["endLine"], score=s / best_score, first=b, last=b)
    top = sorted(ranges.values(), key=lambda r: (-r["score"], r["file"], r["start"]))[:MAX_BLOCKS]
    grouped = []
    for r in top:
        touching = [p for p in grouped if p["file"] == r["file"] and r["last"] >= p["first"] - 1 and r["first"] <= p["last"] + 1
                    and r["start"] <= p["end"] + PLACE_LINE_GAP and p["start"] <= r["end"] + PLACE_LINE_GAP]
        if not touching:
            grouped.append(dict(r))
            continue
        into = touching[0]
        for p in [r] + touching[1:]:
            into["start"], into["end"] = min(into["start"], p["start"]), max(into["end"], p["end"])
            into["first"], into["last"] = min(into["first"], p["first"]), max(into["last"], p["last"])
            into["score"] = max(into["score"], p["score"])
        for p in touching[1:]:
            grouped.remove(p)
    return grouped


def window(flat, blocks, lo, hi):
    return [sum(flat[layer * blocks + b] for layer in range(lo, hi)) for b in range(blocks)]


def hit_rate(records, lo, hi):
    hits = 0
    for r in records:
        a = r["attention"]
        q = window(a["questionLayerMass"], len(a["questionBlockMass"]), lo, hi)
        n = window(a["baselineLayerMass"], len(a["baselineBlockMass"]), lo, hi)
        want = r["overlayLines"]
        top = places(relative_scores(q, n), a)[:3]
        hits += any(p["file"] == want["file"] and p["start"] <= want["endLine"] and want["startLine"] <= p["end"] for p in top)
    return hits / len(records)


def main():
    src, out = sys.argv[1], sys.argv[2]
    records = [r for r in load(src)["records"] if not r["id"].startswith("probe-") and r["contextHit"] and r.get("overlayLines")
               and (r.get("attention") or {}).get("questionLayerMass") and r["attention"].get("baselineLayerMass")]
    a = records[0]["attention"]
    layers = len(a["questionLayerMass"]) // len(a["questionBlockMass"])
    lo = min(layers - 1, round(layers * READING[0]))
    hi = max(lo + 1, round(layers * READING[1]))
    single = [hit_rate(records, layer, layer + 1) for layer in range(layers)]
    reading, every = hit_rate(records, lo, hi), hit_rate(records, 0, layers)
    fig, ax = plt.subplots(figsize=(9, 3.4), dpi=110)
    colours = ["#d9822b" if lo <= layer < hi else "#8a9bb0" for layer in range(layers)]
    ax.bar(range(layers), [100 * s for s in single], color=colours)
    ax.axhline(100 * every, color="#555555", linestyle="--", linewidth=1)
    ax.axhline(100 * reading, color="#d9822b", linestyle="-", linewidth=1.5)
    ax.text(layers - 0.5, 100 * every + 1, f"every layer summed: {100 * every:.1f}%", ha="right", va="bottom", fontsize=8, color="#555555")
    ax.text(layers - 0.5, 100 * reading + 1, f"layers {lo}-{hi - 1} summed (the overlay): {100 * reading:.1f}%", ha="right", va="bottom",
            fontsize=8, color="#d9822b")
    ax.set_xlabel("layer read alone")
    ax.set_ylabel("overlay hit@3 (%)")
    ax.set_xticks(range(0, layers, 2))
    ax.set_ylim(0, 100)
    ax.set_title(f"Where the question reads the answer: {len(records)} packed answers, SmolLM2-135M", fontsize=10)
    fig.tight_layout()
    fig.savefig(out)
    print(json.dumps({"records": len(records), "layers": layers, "reading": [lo, hi], "readingHit": reading, "everyLayerHit": every,
                      "singleLayer": [round(s, 4) for s in single]}))


if __name__ == "__main__":
    main()
