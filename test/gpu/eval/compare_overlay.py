"""The question-conditioned overlay on the GPU against the CPU's, per question, from two eval.json files whose records
keep their attention reports (the same questions, packer and budget, so the same prompts): how far apart the per-block
shares of the question's and the neutral question's attention are, and whether the blocks that top the overlay
(share of the question over share of the neutral question, smoothed as in server/ask/selectedBlocks.ts) are the same.
  python3 compare_overlay.py CPU.json GPU.json  -> one JSON object on stdout"""
import json, sys

SMOOTHING = 0.1


def shares(v):
    t = sum(x for x in v if x > 0)
    return [max(0.0, x) / t if t > 0 else 0.0 for x in v]


def relative(q, b):
    read = sum(1 for x in q if x > 0)
    even = 1 / max(1, read)
    qs, bs = shares(q), shares(b + [0.0] * (len(q) - len(b)))
    return [qs[i] / (bs[i] + SMOOTHING * even) if q[i] > 0 else 0.0 for i in range(len(q))]


def top(scores, blocks_with_source, k=3):
    order = sorted((i for i in range(len(scores)) if scores[i] > 0 and blocks_with_source[i]), key=lambda i: -scores[i])
    return order[:k]


def main():
    cpu = {r["id"]: r for r in json.load(open(sys.argv[1]))["records"] if r.get("attention")}
    gpu = {r["id"]: r for r in json.load(open(sys.argv[2]))["records"] if r.get("attention")}
    rows = []
    for qid in sorted(set(cpu) & set(gpu)):
        a, b = cpu[qid]["attention"], gpu[qid]["attention"]
        if a["promptTokens"] != b["promptTokens"] or not a.get("baselineBlockMass") or not b.get("baselineBlockMass"):
            rows.append({"id": qid, "samePrompt": a["promptTokens"] == b["promptTokens"]})
            continue
        n = min(len(a["questionBlockMass"]), len(b["questionBlockMass"]))
        l1q = sum(abs(x - y) for x, y in zip(shares(a["questionBlockMass"][:n]), shares(b["questionBlockMass"][:n])))
        l1b = sum(abs(x - y) for x, y in zip(shares(a["baselineBlockMass"][:n]), shares(b["baselineBlockMass"][:n])))
        src = [len(lines) > 0 for lines in a["blockLines"][:n]]
        ta = top(relative(a["questionBlockMass"][:n], a["baselineBlockMass"][:n]), src)
        tb = top(relative(b["questionBlockMass"][:n], b["baselineBlockMass"][:n]), src)
        rows.append({"id": qid, "samePrompt": True, "l1Question": round(l1q, 4), "l1Baseline": round(l1b, 4),
                     "cpuTop3": ta, "gpuTop3": tb, "sameTop3": ta == tb, "sameTop3Set": set(ta) == set(tb)})
    full = [r for r in rows if "l1Question" in r]
    print(json.dumps({
        "check": "question-conditioned overlay, GPU vs CPU runtime (dense, same prompts)",
        "questions": len(rows), "samePrompt": sum(r["samePrompt"] for r in rows),
        "maxL1Question": max((r["l1Question"] for r in full), default=None),
        "maxL1Baseline": max((r["l1Baseline"] for r in full), default=None),
        "sameTop3": sum(r["sameTop3"] for r in full), "sameTop3Set": sum(r["sameTop3Set"] for r in full),
        "rows": rows,
    }, indent=1))


main()
