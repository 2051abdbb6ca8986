// Accuracy metrics of a block plan against exact attention, in float64, on a chosen set of query rows:
// recall = share of the exact softmax mass inside the kept blocks; output error = ||o_sparse - o_dense|| /
// ||o_dense|| where o_sparse is softmax restricted to the kept blocks (what the block-sparse kernel computes).

export interface HeadMajor { q: ArrayLike<number>; k: ArrayLike<number>; v: ArrayLike<number>;
  heads: number; kvHeads: number; headDim: number; seq: number }

export interface NativePlan { rowPtr: Int32Array; keyBlocks: Int32Array; nQueryBlocks: number; firstQueryBlock: number;
  blockSize: number; density: number }

export interface RowMetrics { recall: number; errNum: number; errDen: number }

export function keptBlocksOf(plan: NativePlan, kvHead: number, queryBlock: number): Set<number> {
  const r = kvHead * plan.nQueryBlocks + (queryBlock - plan.firstQueryBlock);
  return new Set(Array.from(plan.keyBlocks.subarray(plan.rowPtr[r], plan.rowPtr[r + 1])));
}

/** Metrics of one query row (head h, position pos; causal). logits is scratch of length >= seq. */
export function rowMetrics(t: HeadMajor, plan: NativePlan, h: number, pos: number, logits: Float64Array): RowMetrics {
  const d = t.headDim, S = plan.blockSize;
  const kh = Math.floor(h / (t.heads / t.kvHeads));
  const qo = (h * t.seq + pos) * d;
  const scale = 1 / Math.sqrt(d);
  let max = -Infinity;
  for (let j = 0; j <= pos; j++) {
    const ko = (kh * t.seq + j) * d;
    let dot = 0;
    for (let c = 0; c < d; c++) dot += t.q[qo + c] * t.k[ko + c];
    logits[j] = dot * scale;
    if (logits[j] > max) max = logits[j];
  }
  const kept = keptBlocksOf(plan, kh, Math.floor(pos / S));
  const dense = new Float64Array(d), sparse = new Float64Array(d);
  let total = 0, inside = 0;
  for (let j = 0; j <= pos; j++) {
    const w = Math.exp(logits[j] - max);
    const vo = (kh * t.seq + j) * d;
    total += w;
    for (let c = 0; c < d; c++) dense[c] += w * t.v[vo + c];
    if (kept.has(Math.floor(j / S))) {
      inside += w;
      for (let c = 0; c < d; c++) sparse[c] += w * t.v[vo + c];
    }
  }
  let errNum = 0, errDen = 0;
  for (let c = 0; c < d; c++) {
    const a = dense[c] / total, b = sparse[c] / inside;
    errNum += (a - b) ** 2;
    errDen += a * a;
  }
  return { recall: inside / total, errNum, errDen };
}

/** Evenly spaced query positions in [from, seq), plus the last one; `count` of them. */
export function sampleRows(seq: number, count: number, from = 0): number[] {
  const rows = new Set<number>();
  for (let i = 0; i < count; i++) rows.add(Math.min(seq - 1, from + Math.floor(((seq - from) * (i + 0.5)) / count)));
  rows.add(seq - 1);
  return [...rows].sort((a, b) => a - b);
}

/** Mean recall, min recall and pooled relative output error over the given heads and rows. */
export function planMetrics(t: HeadMajor, plan: NativePlan, heads: number[], rows: number[]) {
  const logits = new Float64Array(t.seq);
  let recallSum = 0, recallMin = 1, num = 0, den = 0, n = 0;
  for (const h of heads) {
    for (const pos of rows) {
      const m = rowMetrics(t, plan, h, pos, logits);
      recallSum += m.recall;
      recallMin = Math.min(recallMin, m.recall);
      num += m.errNum;
      den += m.errDen;
      n++;
    }
  }
  return { recall: recallSum / n, recallMin, relError: Math.sqrt(num / den), rowsMeasured: n };
}
