"""Merges the e2e benchmark JSON files under a results folder into e2e.json and a Markdown table e2e.md:
`python3 summarize.py OUT_DIR`. Ratios are measured side by side in one run on one GPU."""
import glob
import json
import os
import sys
import time


def main():
    out = sys.argv[1]
    shapes = {}
    for f in sorted(glob.glob(os.path.join(out, "bench-*-engine.json"))):
        shape = os.path.basename(f)[len("bench-"):-len("-engine.json")]
        engine = json.load(open(f))
        hf_file = os.path.join(out, f"bench-{shape}-transformers.json")
        hf = json.load(open(hf_file)) if os.path.exists(hf_file) else {"rows": []}
        shapes[shape] = {"engine": engine, "transformers": hf}
    checks = []
    if os.path.exists(os.path.join(out, "check.jsonl")):
        checks = [json.loads(l) for l in open(os.path.join(out, "check.jsonl")) if l.startswith("{")]
    gpu = next((d["transformers"].get("gpu") for d in shapes.values() if d["transformers"].get("gpu")), "")
    date = time.strftime("%Y-%m-%d", time.gmtime())
    json.dump({"gpu": gpu, "date": date, "shapes": shapes, "checks": checks}, open(os.path.join(out, "e2e.json"), "w"),
              indent=1)

    lines = [f"GPU: {gpu or 'unknown'}, {date}\n"]
    for shape, d in shapes.items():
        e, hf = d["engine"], d["transformers"]
        hf_ms = {(r["backend"], r["N"]): r["ttftMs"] for r in hf["rows"]}
        lines.append(f"### Qwen2.5-Coder-{shape} shapes ({e['layers']} layers, hidden {e['hidden']}, {e['heads']} q / "
                     f"{e['kvHeads']} kv heads), random bf16 weights, block {e['blockSize']}; GPU memory at load "
                     f"{e['deviceBytes'] / 2**30:.1f} GiB (weights {e['weightBytes'] / 2**30:.1f} GiB, "
                     f"KV cache for {e['capacity']} tokens)\n")
        lines.append("| N | transformers FA2 | transformers cuDNN | ours dense | ours UniSparse tau 0.95 (density) | "
                     "budget 0.4 | budget 0.2 | budget 0.1 | 0.2 vs FA2 | 0.2 vs cuDNN | 0.2 vs our dense | "
                     "follow-up (64 tokens) | decode tok/s |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        by_n = {}
        for r in e["rows"]:
            by_n.setdefault(r["N"], {})[r["label"]] = r
        fmt = lambda v: "-" if v is None else f"{v:,.0f}" if v >= 100 else f"{v:.1f}"
        ratio = lambda a, b: "-" if not a or not b else f"{a / b:.2f}x"
        for n, rows in sorted(by_n.items()):
            dense = rows.get("dense", {})
            tau = rows.get("unisparse tau 0.95", {})
            b = {k: rows.get(f"unisparse budget {k}", {}) for k in ("0.4", "0.2", "0.1")}
            fa2, cudnn = hf_ms.get(("fa2", n)), hf_ms.get(("cudnn", n))
            t02 = b["0.2"].get("ttftMs")
            cell = lambda r: "-" if not r else f"{fmt(r['ttftMs'])} ({r['density']:.2f})"
            decode = max((r.get("decodeTokPerS") or 0) for r in rows.values())
            lines.append(f"| {n:,} | {fmt(fa2)} | {fmt(cudnn)} | {fmt(dense.get('ttftMs'))} | {cell(tau)} | "
                         f"{cell(b['0.4'])} | {cell(b['0.2'])} | {cell(b['0.1'])} | {ratio(fa2, t02)} | "
                         f"{ratio(cudnn, t02)} | {ratio(dense.get('ttftMs'), t02)} | "
                         f"{fmt(dense.get('followupMs'))} ({ratio(dense.get('followupMs'), dense.get('ttftMs')) if dense else '-'}) | "
                         f"{fmt(decode) if decode else '-'} |")
        lines.append("")
    if checks:
        lines.append("### Checks\n")
        for c in checks:
            lines.append("- " + json.dumps(c))
    md = "\n".join(lines) + "\n"
    open(os.path.join(out, "e2e.md"), "w").write(md)
    print(md)


if __name__ == "__main__":
    main()
