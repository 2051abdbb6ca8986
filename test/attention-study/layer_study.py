"""Per-layer accuracy of block plans on real SmolLM2-135M activations (8K tokens, all 30 layers), side by side
with FlexPrefill on the same tensors. Inputs: the folder written by dumpRealLayers.ts.

The UniSparse plans here restate native/src/attention (composite estimate with granularities {4, 16}, S = 64,
selection by tau, the last-block check) in numpy; their densities equal the native plan's on the layers compared
(3, 4, 6, 9, 29). FlexPrefill (Lai et al., ICLR 2025) follows its public description: per query head, the last 128
queries scored exactly; a head whose pooled estimate of that block is within sqrt-JS 0.1 of the exact one uses the
query-aware pattern (pooled Q/K, blocks over the whole map until gamma of its mass), the others the vertical-slash
pattern (vertical and slash index sets that cover gamma of the last queries' mass); blocks of 128.

Metrics, in float64 on sampled query rows (two per 64-token block, blocks >= 4, every query head):
recall = exact softmax mass inside the kept blocks; error = ||o_sparse - o_dense|| / ||o_dense|| over those rows.
Usage: python3 test/attention-study/layer_study.py <dump dir> [--layers 0,1,...] [--methods 2,4] [--json out.json]"""
import json
import sys

import numpy as np

S = 64
GRANS = (4, 16)


def softmax_rows(x):
    x = x - x.max(-1, keepdims=True)
    w = np.exp(x)
    return w / w.sum(-1, keepdims=True)


class Layer:
    def __init__(self, folder, layer, shape):
        self.H, self.KV, self.D, self.N = shape["heads"], shape["kvHeads"], shape["headDim"], shape["seq"]
        self.G = self.H // self.KV
        self.nB = (self.N + S - 1) // S
        self.scale = self.D ** -0.5
        load = lambda x, h: np.fromfile(f"{folder}/L{layer}.{x}.f32", dtype=np.float32).reshape(h, self.N, self.D)
        self.q, self.k, self.v = load("q", self.H), load("k", self.KV), load("v", self.KV)
        self.rows = np.array([b * S + o for b in range(4, self.nB) for o in (31, 63) if b * S + o < self.N])
        self.cache = {}  # exact weights and dense outputs of the sampled rows, per head (shared by every method)

    def exact(self, h, positions):
        lg = (self.q[h, positions] @ self.k[h // self.G].T).astype(np.float64) * self.scale
        lg[np.arange(self.N)[None, :] > positions[:, None]] = -np.inf
        return softmax_rows(lg)

    # --- UniSparse (the native plan's statement) ---
    def pool(self, x, g):
        return x.reshape(*x.shape[:-2], self.nB * g, S // g, self.D).mean(-2)

    def estimate(self, per_head=False):
        """Estimated key-block shares per query block: [KV, nB, nB] from the group's mean composite query (the
        native plan), or with per_head, [H, nB, nB] from each query head's own composite queries."""
        key = ("A", per_head)
        if key in self.cache:
            return self.cache[key]
        A = np.zeros((self.H if per_head else self.KV, self.nB, self.nB))
        for g in GRANS:
            idx = np.arange(self.nB * g)
            for x in range(A.shape[0]):
                kv = x // self.G if per_head else x
                qc = self.pool(self.q[x] if per_head else self.q[kv * self.G:(kv + 1) * self.G], g)
                qc = qc if per_head else qc.mean(0)
                lg = (qc @ self.pool(self.k[kv], g).T).astype(np.float64) * self.scale
                lg[idx[None, :] > idx[:, None]] = -np.inf
                w = softmax_rows(lg)
                A[x] += w.reshape(self.nB * g, self.nB, g).sum(2).reshape(self.nB, g, self.nB).mean(1) / len(GRANS)
        self.cache[key] = A
        return A

    def last_block_shares(self, h):
        """Exact key-block shares of the last query block for query head h, averaged over its positions."""
        key = ("last", h)
        if key not in self.cache:
            last_pos = np.arange((self.nB - 1) * S, self.N)
            e = np.pad(self.exact(h, last_pos), ((0, 0), (0, self.nB * S - self.N)))
            self.cache[key] = e.reshape(len(last_pos), self.nB, S).sum(2).mean(0)
        return self.cache[key]

    @staticmethod
    def select_row(a, b, tau, neighbour_share=0.0):
        keep = {0, b}
        if b <= 1:
            return set(range(b + 1))
        order = sorted(range(1, b), key=lambda x: (-a[x], x))
        kept = a[0] + a[b]
        taken = []
        for x in order:
            if kept >= tau:
                break
            taken.append(x)
            kept += a[x]
        keep.update(taken)
        if neighbour_share > 0:  # a taken block with a large share brings its neighbours (block_selection.cpp)
            for x in taken:
                if a[x] >= neighbour_share:
                    keep.update((x - 1, x + 1))
        return keep

    def unisparse(self, tau, check="gated", check_recall=0.95, neighbour_share=0.0, per_head=False):
        """per_head: each query head of a group selects from its own estimate and the kv head keeps the union
        (a variant the native plan does not run: it lifts the worst rows but not the end-to-end top-1 agreement enough
        to pay for three times the estimate; results-layers-variants-2026-12-02.json and the README)."""
        A = self.estimate(per_head)
        estimates = lambda kv: [A[h] for h in range(kv * self.G, (kv + 1) * self.G)] if per_head else [A[kv]]
        M = np.zeros((self.KV, self.nB, self.nB), bool)
        for kv in range(self.KV):
            head_tau, columns = tau, set()
            if check != "off":
                shares = [self.last_block_shares(h) for h in range(kv * self.G, (kv + 1) * self.G)]
                own = set().union(*(self.select_row(a[-1], self.nB - 1, tau, neighbour_share) for a in estimates(kv)))
                worst = min(sum(s[b] for b in own) for s in shares)
                failed = worst < check_recall
                if check == "always" or failed:
                    for s in shares:
                        order = sorted(range(self.nB), key=lambda x: (-s[x], x))
                        kept = 0.0
                        for x in order:
                            if kept >= tau:
                                break
                            columns.add(x)
                            kept += s[x]
                if check == "gated" and failed:
                    head_tau = 1 - (1 - tau) / 3
            for b in range(self.nB):
                kept = set().union(*(self.select_row(a[b], b, head_tau, neighbour_share) for a in estimates(kv)))
                for x in kept | {c for c in columns if c <= b}:
                    M[kv, b, x] = True
        return np.repeat(M, self.G, axis=0), 64  # per query head, 64-token blocks

    # --- FlexPrefill ---
    def flexprefill(self, gamma, js_tau=0.1, block=128):
        nb = (self.N + block - 1) // block
        M = np.zeros((self.H, nb, nb), bool)
        causal = np.tril(np.ones((nb, nb), bool))
        last = np.arange(self.N - block, self.N)
        pad = nb * block - self.N
        for h in range(self.H):
            k = self.k[h // self.G]
            p = self.exact(h, last)                                   # [block, N]
            vertical = p.mean(0)
            # slash[o]: mean mass at distance o = query - key (o = 0 is the diagonal)
            qi = last[:, None]
            dist = qi - np.arange(self.N)[None, :]
            slash = np.bincount(dist[dist >= 0], weights=p[dist >= 0], minlength=self.N) / block
            cover = lambda x: int(np.searchsorted(np.cumsum(np.sort(x)[::-1]), gamma)) + 1
            n_vert, n_slash = cover(vertical) // block + 1, cover(slash) // block + 1
            vb = np.pad(vertical, (0, pad)).reshape(nb, block).sum(1)
            sb = np.pad(slash, (0, pad)).reshape(nb, block).sum(1)
            kpool = np.pad(k, ((0, pad), (0, 0))).reshape(nb, block, self.D).mean(1)
            est = softmax_rows((self.q[h, last].mean(0) @ kpool.T).astype(np.float64) * self.scale)
            m = (est + vb) / 2
            js = np.sqrt(max(0.0, 0.5 * np.sum(est * np.log(est / m + 1e-30)) + 0.5 * np.sum(vb * np.log(vb / m + 1e-30))))
            if js < js_tau:  # query-aware head: pooled estimate over the whole block map, gamma of its total mass
                qpool = np.pad(self.q[h], ((0, pad), (0, 0))).reshape(nb, block, self.D).mean(1)
                lg = (qpool @ kpool.T).astype(np.float64) * self.scale
                lg[~causal] = -np.inf
                a = softmax_rows(lg).ravel()
                order = np.argsort(-a, kind="stable")
                take = order[np.cumsum(a[order]) <= gamma * nb]
                M[h].ravel()[take] = True
                n_vert = n_slash = 1
            vb[0] = np.inf
            sb[0] = np.inf  # block offset 0 (the diagonal)
            for x in np.argsort(-vb, kind="stable")[:n_vert]:
                M[h, x:, x] = True
            for o in np.argsort(-sb, kind="stable")[:n_slash]:
                idx = np.arange(o, nb)
                M[h, idx, idx - o] = True
            M[h] &= causal
        return M, block

    # --- metrics ---
    def metrics(self, M, block):
        nb = M.shape[1]
        kept_rows, num, den, recall = 0, 0.0, 0.0, []
        for h in range(self.H):
            if ("rows", h) not in self.cache:
                p = self.exact(h, self.rows)
                v = self.v[h // self.G].astype(np.float64)
                self.cache[("rows", h)] = (p, v, p @ v)
            p, v, o_dense = self.cache[("rows", h)]
            keep = np.repeat(M[h][self.rows // block], block, axis=1)[:, :self.N]
            inside = (p * keep).sum(1)
            recall.append(inside)
            o_sparse = (p * keep) @ v / inside[:, None]
            num += ((o_dense - o_sparse) ** 2).sum()
            den += (o_dense ** 2).sum()
        causal = np.tril(np.ones((nb, nb), bool))
        density = (M & causal).sum() / (causal.sum() * M.shape[0])
        r = np.concatenate(recall)
        return {"density": float(density), "recall": float(r.mean()), "minRowRecall": float(r.min()),
                "relError": float(np.sqrt(num / den))}


METHODS = {
    "estimate tau 0.985": lambda L: L.unisparse(0.985, check="off"),
    "+ columns only": lambda L: L.unisparse(0.985, check="always"),
    "+ check (default) tau 0.985": lambda L: L.unisparse(0.985, check="gated"),
    "+ check tau 0.95": lambda L: L.unisparse(0.95, check="gated"),
    "+ check + neighbours 0.05, tau 0.985": lambda L: L.unisparse(0.985, check="gated", neighbour_share=0.05),
    "default, tau 0.995": lambda L: L.unisparse(0.995, check="gated", neighbour_share=0.05),
    "default, tau 0.999": lambda L: L.unisparse(0.999, check="gated", neighbour_share=0.05),
    "per-head estimate, tau 0.985": lambda L: L.unisparse(0.985, check="gated", neighbour_share=0.05, per_head=True),
    "FlexPrefill gamma 0.9": lambda L: L.flexprefill(0.9),
    "FlexPrefill gamma 0.95": lambda L: L.flexprefill(0.95),
}


def main():
    folder = sys.argv[1]
    shape = json.load(open(f"{folder}/shape.json"))
    layers = list(range(shape["layers"]))
    if "--layers" in sys.argv:
        layers = [int(x) for x in sys.argv[sys.argv.index("--layers") + 1].split(",")]
    methods = METHODS
    if "--methods" in sys.argv:  # a subset, by position in METHODS, e.g. --methods 2,4
        names = list(METHODS)
        methods = {names[int(i)]: METHODS[names[int(i)]] for i in sys.argv[sys.argv.index("--methods") + 1].split(",")}
    results = []
    for layer in layers:
        L = Layer(folder, layer, shape)
        row = {"layer": layer}
        for name, make in methods.items():
            row[name] = L.metrics(*make(L))
        results.append(row)
        print(json.dumps(row), flush=True)
    if "--json" in sys.argv:
        json.dump(results, open(sys.argv[sys.argv.index("--json") + 1], "w"), indent=1)
    names = list(methods)
    print("| layer | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for row in results:
        print(f"| {row['layer']} | " + " | ".join(f"{row[n]['recall']:.3f} / {row[n]['density']:.2f} / {row[n]['relError']:.3f}" for n in names) + " |")
    mean = lambda n, key: np.mean([r[n][key] for r in results])
    worst = lambda n: min(r[n]["recall"] for r in results)
    print("| mean | " + " | ".join(f"{mean(n, 'recall'):.3f} / {mean(n, 'density'):.2f} / {mean(n, 'relError'):.3f}" for n in names) + " |")
    print("| worst layer recall | " + " | ".join(f"{worst(n):.3f}" for n in names) + " |")
    print("| worst sampled row's recall, median over layers / lowest | " + " | ".join(
        f"{np.median([r[n]['minRowRecall'] for r in results]):.3f} / {min(r[n]['minRowRecall'] for r in results):.3f}"
        for n in names) + " |")


if __name__ == "__main__":
    main()
