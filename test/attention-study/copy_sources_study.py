"""Copy sources on real SmolLM2-135M activations: how much of what the block plan misses is an induction lookup, and
what keeping the copied keys' blocks buys per layer. Inputs: the folder written by dumpRealLayers.ts (Q/K/V of every
layer over 8K tokens of real source, and tokens.json).

1. The worst-served sampled rows of the tau 0.985 plan (check, neighbours): for each, whether its most-read
   key k follows an earlier occurrence of the row's own last tokens (tokens[k-n..k-1] == tokens[i-n+1..i]).
2. Per layer, recall / density / output error of the plan alone and with the copy sources of native
   copy_sources.cpp added to every row (ngram tokens matched, the `recent` latest occurrences), at tau 0.985 and 0.995,
   and at the runtime's default (tau 0.995 with the last-block check at recall 0.99).

Usage: python3 test/attention-study/copy_sources_study.py <dump dir> [--json out.json]"""
import json
import sys

import numpy as np

from layer_study import Layer, S

VARIANTS = {  # name: (tau, ngram, recent, check recall); ngram 0 = no copy sources
    "no copy sources, tau 0.985": (0.985, 0, 0, 0.95),
    "copy sources 3-token / 4 latest, tau 0.985": (0.985, 3, 4, 0.95),
    "copy sources 2-token / 4 latest, tau 0.985": (0.985, 2, 4, 0.95),
    "copy sources 3-token / 8 latest, tau 0.985": (0.985, 3, 8, 0.95),
    "no copy sources, tau 0.995": (0.995, 0, 0, 0.95),
    "copy sources 3-token / 4 latest, tau 0.995": (0.995, 3, 4, 0.95),
    "default: copy sources 3-token / 4 latest, tau 0.995, check recall 0.99": (0.995, 3, 4, 0.99),
}


def copy_source_blocks(tokens, ngram, recent):
    """[query block, key block] -> kept, as CopySourceIndex builds it: for each position i, the latest `recent`
    earlier ends e of the ngram ending at i; key e + 1's block."""
    n = len(tokens)
    nb = (n + S - 1) // S
    keep = np.zeros((nb, nb), bool)
    ends = {}
    for i in range(ngram - 1, n):
        key = tuple(tokens[i - ngram + 1:i + 1])
        latest = ends.setdefault(key, [])
        for e in latest:
            keep[i // S, (e + 1) // S] = True
        latest.append(i)
        if len(latest) > recent:
            latest.pop(0)
    return keep


def follows_match(tokens, i, k, n):
    return k >= n and i >= n - 1 and list(tokens[k - n:k]) == list(tokens[i - n + 1:i + 1])


def main():
    folder = sys.argv[1]
    shape = json.load(open(f"{folder}/shape.json"))
    tokens = np.array(json.load(open(f"{folder}/tokens.json")))
    copies = {(n, r): copy_source_blocks(tokens, n, r) for _, n, r, _ in VARIANTS.values() if n}
    causal = np.tril(np.ones(next(iter(copies.values())).shape, bool))
    rows, worst = [], []
    for layer in range(shape["layers"]):
        L = Layer(folder, layer, shape)
        row = {"layer": layer}
        plans = {}
        for name, (tau, n, r, check) in VARIANTS.items():
            if (tau, check) not in plans:
                plans[(tau, check)] = L.unisparse(tau, check="gated", check_recall=check, neighbour_share=0.05)[0]
            M = plans[(tau, check)] | copies[(n, r)][None] if n else plans[(tau, check)]
            row[name] = L.metrics(M, S)
        rows.append(row)
        # The tau 0.985 plan's worst sampled rows in this layer: is the most-read missed key a copy source?
        M = plans[(0.985, 0.95)]
        for h in range(L.H):
            p = L.exact(h, L.rows)
            keep = np.repeat(M[h][L.rows // S], S, axis=1)[:, :L.N]
            recall = (p * keep).sum(1)
            for i in np.where(recall < 0.9)[0]:
                pos = int(L.rows[i])
                k = int((p[i] * (1 - keep[i])).argmax())
                worst.append({"layer": layer, "head": h, "position": pos, "recall": float(recall[i]), "key": k,
                              "keyWeight": float(p[i][k]), "match1": follows_match(tokens, pos, k, 1),
                              "match3": follows_match(tokens, pos, k, 3)})
        print(json.dumps({"layer": layer, **{n: {a: round(b, 4) for a, b in m.items()} for n, m in row.items() if n != "layer"}}), flush=True)
    names = list(VARIANTS)
    print("| variant | mean density | mean recall | worst layer recall | lowest sampled row | mean output error | worst layer error |")
    print("|---|---|---|---|---|---|---|")
    for n in names:
        col = [r[n] for r in rows]
        print(f"| {n} | {np.mean([c['density'] for c in col]):.3f} | {np.mean([c['recall'] for c in col]):.4f} | "
              f"{min(c['recall'] for c in col):.3f} | {min(c['minRowRecall'] for c in col):.3f} | "
              f"{np.mean([c['relError'] for c in col]):.4f} | {max(c['relError'] for c in col):.3f} |")
    print(f"forced by copy sources alone (3-token / 4 latest): {(copies[(3, 4)] & causal).sum() / causal.sum():.3f} of causal blocks")
    served = lambda x: [w for w in worst if w["recall"] < x]
    for x in (0.5, 0.9):
        ws = served(x)
        if ws:
            print(f"sampled rows under recall {x}: {len(ws)}; most-read missed key follows a 1-token match in "
                  f"{np.mean([w['match1'] for w in ws]):.0%}, a 3-token match in {np.mean([w['match3'] for w in ws]):.0%}")
    if "--json" in sys.argv:
        json.dump({"layers": rows, "worstRows": worst}, open(sys.argv[sys.argv.index("--json") + 1], "w"), indent=1)


if __name__ == "__main__":
    main()
