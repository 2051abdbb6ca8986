// Float64 references for the attention subsystem, written from the algorithm's statement (DESIGN.md) rather
// than from the C++: dense causal attention, and the UniSparse block plan
// (composite tokens -> block-share estimate -> selection). Tests compare the native code against these.

export interface AttentionShapeJs {
  heads: number; kvHeads: number; headDim: number;
  seqQ: number; seqK: number;           // queries are the last seqQ of seqK positions
}

/** native/src/attention/attention.h kDefaultNeighbourShare (a unit test pins the two together) */
export const DEFAULT_NEIGHBOUR_SHARE = 0.05;
/** The last-block check's recall threshold, as UniSparseConfig::checkRecall (attention.h). */
export const DEFAULT_CHECK_RECALL = 0.99;

export interface PlanOptionsJs {
  blockSize: number; tau: number; granularities: number[]; minBlocks?: number; maxBlocks?: number; scale?: number;
  /** the exact check of the last query block (columns + widened tau on failure); default true */
  lastBlockCheck?: boolean;
  /** a kv head whose estimated last-block selection holds less exact mass than this is widened; default DEFAULT_CHECK_RECALL */
  checkRecall?: number;
  /** neighbour expansion threshold (native UniSparseConfig::neighbourShare); absent: the native default, 0: off */
  neighbourShare?: number;
  /** token ids, one per key: every row also keeps its copy sources (copySourceBlocksReference); absent: none */
  tokens?: ArrayLike<number>;
  copyNgram?: number;   // default 3, as UniSparseConfig
  copyRecent?: number;  // default 4
}

/**
 * Copy sources by direct search: for each query position i, scan back for the latest `recent` positions e < i whose
 * `ngram` tokens ending at e equal those ending at i; key e + 1 is what an induction head reads. Returns, per absolute
 * query block, the key blocks of those keys (a set).
 */
export function copySourceBlocksReference(tokens: ArrayLike<number>, blockSize: number, ngram = 3, recent = 4): Set<number>[] {
  const n = tokens.length;
  const out = Array.from({ length: Math.ceil(n / blockSize) }, () => new Set<number>());
  const same = (a: number, b: number) => { for (let t = 0; t < ngram; t++) if (tokens[a - t] !== tokens[b - t]) return false; return true; };
  for (let i = ngram - 1; i < n; i++) {
    let found = 0;
    for (let e = i - 1; e >= ngram - 1 && found < recent; e--) {
      if (!same(e, i)) continue;
      out[Math.floor(i / blockSize)].add(Math.floor((e + 1) / blockSize));
      found++;
    }
  }
  return out;
}

export interface ReferencePlan {
  firstQueryBlock: number; nQueryBlocks: number; nKeyBlocks: number;
  /** rows[kvHead * nQueryBlocks + r]: kept key blocks, ascending */
  rows: number[][];
  /** shares[kvHead * nQueryBlocks + r][bk]: estimated share of key block bk (bk <= query block) */
  shares: Float64Array[];
  density: number;
  /** per kv head: key blocks every row keeps from the exact last-block check (empty when it is off or passed) */
  columns: number[][];
  /** per kv head: the tau its rows were selected with (tau, or the widened tau when the check failed) */
  headTau: number[];
}

/** The budget of a kv head whose estimate failed the check: a third of the mass tau leaves out. */
export const widenedTau = (tau: number) => 1 - (1 - tau) / 3;

/** Exact key-block shares of the last query block, averaged over its positions, for one query head. */
export function lastBlockExactShares(q: ArrayLike<number>, k: ArrayLike<number>, s: AttentionShapeJs, h: number,
  blockSize: number, scale = 1 / Math.sqrt(s.headDim)): Float64Array {
  const { heads, kvHeads, headDim: d, seqQ, seqK } = s;
  const kh = Math.floor(h / (heads / kvHeads));
  const nKeyBlocks = Math.ceil(seqK / blockSize);
  const offset = seqK - seqQ;
  const first = Math.max((nKeyBlocks - 1) * blockSize, offset);
  const shares = new Float64Array(nKeyBlocks);
  const logits = new Float64Array(seqK);
  for (let pos = first; pos < seqK; pos++) {
    let max = -Infinity;
    for (let j = 0; j <= pos; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += at(q, seqQ, d, h, pos - offset, c) * at(k, seqK, d, kh, j, c);
      logits[j] = dot * scale;
      max = Math.max(max, logits[j]);
    }
    let total = 0;
    for (let j = 0; j <= pos; j++) { logits[j] = Math.exp(logits[j] - max); total += logits[j]; }
    for (let j = 0; j <= pos; j++) shares[Math.floor(j / blockSize)] += logits[j] / total / (seqK - first);
  }
  return shares;
}

const at = (a: ArrayLike<number>, seq: number, d: number, head: number, pos: number, c: number) =>
  a[(head * seq + pos) * d + c];

/** Dense attention in float64. q: [heads, seqQ, d]; k, v: [kvHeads, seqK, d]; returns [heads, seqQ, d]. */
export function denseAttentionReference(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>,
  s: AttentionShapeJs, causal = true, scale = 1 / Math.sqrt(s.headDim)): Float64Array {
  const { heads, kvHeads, headDim: d, seqQ, seqK } = s;
  const out = new Float64Array(heads * seqQ * d);
  const weights = new Float64Array(seqK);
  for (let h = 0; h < heads; h++) {
    const kh = Math.floor(h / (heads / kvHeads));
    for (let i = 0; i < seqQ; i++) {
      const pos = seqK - seqQ + i;
      const last = causal ? pos : seqK - 1;
      let max = -Infinity;
      for (let j = 0; j <= last; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += at(q, seqQ, d, h, i, c) * at(k, seqK, d, kh, j, c);
        weights[j] = dot * scale;
        if (weights[j] > max) max = weights[j];
      }
      let sum = 0;
      for (let j = 0; j <= last; j++) { weights[j] = Math.exp(weights[j] - max); sum += weights[j]; }
      for (let j = 0; j <= last; j++) {
        const w = weights[j] / sum;
        for (let c = 0; c < d; c++) out[(h * seqQ + i) * d + c] += w * at(v, seqK, d, kh, j, c);
      }
    }
  }
  return out;
}

interface Composite { block: number; sub: number; vec: Float64Array }

/** Mean vectors of each non-empty sub-block (c = S/g tokens) over positions in [from, seqK) and the given heads. */
function compositeTokens(x: ArrayLike<number>, seq: number, d: number, headList: number[], firstPos: number,
  seqK: number, S: number, g: number, posToRow: (p: number) => number): Composite[] {
  const c = S / g;
  const result: Composite[] = [];
  const nBlocks = Math.ceil(seqK / S);
  for (let b = 0; b < nBlocks; b++) {
    for (let l = 0; l < g; l++) {
      const lo = Math.max(b * S + l * c, firstPos);
      const hi = Math.min(b * S + (l + 1) * c, seqK);
      if (lo >= hi) continue;
      const vec = new Float64Array(d);
      for (const h of headList) for (let p = lo; p < hi; p++) for (let e = 0; e < d; e++) vec[e] += at(x, seq, d, h, posToRow(p), e);
      for (let e = 0; e < d; e++) vec[e] /= (hi - lo) * headList.length;
      result.push({ block: b, sub: l, vec });
    }
  }
  return result;
}

/** The UniSparse plan in float64, one row per (kv head, query block): per kv head, the composite estimate of
 * every row; the exact check of the last query block (a kv head whose estimated last-block selection holds less
 * than checkRecall of some query head's exact mass selects with widenedTau, and every row keeps its columns:
 * per query head, the blocks by exact share until tau);
 * per row, the selection at that head's tau united with the columns up to the row's block. */
export function uniSparsePlanReference(q: ArrayLike<number>, k: ArrayLike<number>, s: AttentionShapeJs,
  o: PlanOptionsJs): ReferencePlan {
  const { heads, kvHeads, headDim: d, seqQ, seqK } = s;
  const S = o.blockSize;
  const scale = o.scale ?? 1 / Math.sqrt(d);
  const nKeyBlocks = Math.ceil(seqK / S);
  const offset = seqK - seqQ;
  const firstQueryBlock = Math.floor(offset / S);
  const nQueryBlocks = nKeyBlocks - firstQueryBlock;
  const group = heads / kvHeads;
  const rows: number[][] = [];
  const shares: Float64Array[] = [];
  const columns: number[][] = [];
  const headTau: number[] = [];
  let kept = 0, causal = 0;
  for (let kh = 0; kh < kvHeads; kh++) {
    const groupHeads = Array.from({ length: group }, (_, i) => kh * group + i);
    const A: Float64Array[] = Array.from({ length: nQueryBlocks }, (_, r) => new Float64Array(firstQueryBlock + r + 1));
    for (const g of o.granularities) {
      const cq = compositeTokens(q, seqQ, d, groupHeads, offset, seqK, S, g, (p) => p - offset);
      const ck = compositeTokens(k, seqK, d, [kh], 0, seqK, S, g, (p) => p);
      const countPerBlock = new Map<number, number>();
      for (const x of cq) countPerBlock.set(x.block, (countPerBlock.get(x.block) ?? 0) + 1);
      for (const x of cq) {
        const visible = ck.filter((y) => y.block < x.block || (y.block === x.block && y.sub <= x.sub));
        const logits = visible.map((y) => { let dot = 0; for (let e = 0; e < d; e++) dot += x.vec[e] * y.vec[e]; return dot * scale; });
        const max = Math.max(...logits);
        const w = logits.map((l) => Math.exp(l - max));
        const total = w.reduce((a, b) => a + b, 0);
        const row = A[x.block - firstQueryBlock];
        const norm = o.granularities.length * countPerBlock.get(x.block)!;
        visible.forEach((y, i) => { row[y.block] += w[i] / total / norm; });
      }
    }
    // The exact check of the last query block: columns every row keeps, and the estimate's verdict for this head.
    let tau = o.tau;
    const cols = new Set<number>();
    if ((o.lastBlockCheck ?? true) && o.tau < 1) {
      const lastBlock = nKeyBlocks - 1;
      const lastKept = selectBlocksReference(A[nQueryBlocks - 1], lastBlock, o);
      let worst = 1;
      for (const h of groupHeads) {
        const exact = lastBlockExactShares(q, k, s, h, S, scale);
        const order = Array.from({ length: nKeyBlocks }, (_, b) => b).sort((a, b) => exact[b] - exact[a] || a - b);
        let sum = 0;
        for (let i = 0; i < order.length && sum < o.tau; i++) { cols.add(order[i]); sum += exact[order[i]]; }
        worst = Math.min(worst, lastKept.reduce((acc, b) => acc + exact[b], 0));
      }
      if (worst < (o.checkRecall ?? DEFAULT_CHECK_RECALL)) tau = widenedTau(o.tau);
      else cols.clear();  // a head that passes keeps the estimate's own plan
    }
    columns.push([...cols].sort((a, b) => a - b));
    headTau.push(tau);
    const copies = o.tokens && !o.maxBlocks ? copySourceBlocksReference(o.tokens, S, o.copyNgram, o.copyRecent) : [];
    for (let r = 0; r < nQueryBlocks; r++) {
      const bq = firstQueryBlock + r;
      const own = selectBlocksReference(A[r], bq, { ...o, tau });
      // A hard row budget wins over the columns and the copy sources.
      const extra = o.maxBlocks ? [] : [...cols].filter((b) => b <= bq).concat([...(copies[bq] ?? [])]);
      rows.push([...new Set([...own, ...extra])].sort((a, b) => a - b));
      shares.push(A[r]);
      kept += rows[rows.length - 1].length;
      causal += bq + 1;
    }
  }
  return { firstQueryBlock, nQueryBlocks, nKeyBlocks, rows, shares, density: kept / causal, columns, headTau };
}

/** Selection of one row: sink and diagonal, then by descending share (ties: lower index) until the share >= tau. */
export function selectBlocksReference(share: ArrayLike<number>, bq: number, o: PlanOptionsJs): number[] {
  const all = Array.from({ length: bq + 1 }, (_, i) => i);
  if (o.tau >= 1) return all;
  const must = bq === 0 ? [0] : [0, bq];
  const rest = all.filter((b) => b !== 0 && b !== bq).sort((a, b) => share[b] - share[a] || a - b);
  let sum = must.reduce((acc, b) => acc + share[b], 0);
  let taken = 0;
  while (taken < rest.length && sum < o.tau) sum += share[rest[taken++]];
  if (o.minBlocks) taken = Math.max(taken, o.minBlocks - must.length);
  if (o.maxBlocks) taken = Math.min(taken, Math.max(o.maxBlocks - must.length, 0));
  taken = Math.min(taken, rest.length);
  const kept = new Set([...must, ...rest.slice(0, taken)]);
  // Neighbour expansion: a taken block with a share >= neighbourShare brings b - 1 and b + 1 (never with maxBlocks).
  const neighbourShare = o.neighbourShare ?? DEFAULT_NEIGHBOUR_SHARE;
  if (neighbourShare > 0 && !o.maxBlocks)
    for (const b of rest.slice(0, taken))
      if (share[b] >= neighbourShare) { kept.add(b - 1); kept.add(b + 1); }
  return [...kept].sort((a, b) => a - b);
}

/** Share of the exact softmax mass of query (head h, row i) that falls in the given key blocks. */
export function recallOfRow(q: ArrayLike<number>, k: ArrayLike<number>, s: AttentionShapeJs, h: number, i: number,
  keptBlocks: Iterable<number>, blockSize: number, scale = 1 / Math.sqrt(s.headDim)): number {
  const { heads, kvHeads, headDim: d, seqQ, seqK } = s;
  const kh = Math.floor(h / (heads / kvHeads));
  const pos = seqK - seqQ + i;
  const logits = new Float64Array(pos + 1);
  let max = -Infinity;
  for (let j = 0; j <= pos; j++) {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += at(q, seqQ, d, h, i, c) * at(k, seqK, d, kh, j, c);
    logits[j] = dot * scale;
    if (logits[j] > max) max = logits[j];
  }
  const keep = new Set(keptBlocks);
  let total = 0, inside = 0;
  for (let j = 0; j <= pos; j++) {
    const w = Math.exp(logits[j] - max);
    total += w;
    if (keep.has(Math.floor(j / blockSize))) inside += w;
  }
  return inside / total;
}

/** Largest absolute elementwise difference; throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
