// Personalised PageRank over the file graph: a random walk that follows references and imports and, with
// probability 1 - damping, jumps back to the seeds (files named by the question, the active file, the selection's
// symbols). Files the seeds depend on, directly or through a chain, rank high.
import type { FileGraph } from '../index/symbolGraph';

export function personalisedPageRank(graph: FileGraph, seeds: Map<string, number>, damping = 0.85, iterations = 30): Map<string, number> {
  const n = graph.files.length;
  const result = new Map<string, number>();
  if (n === 0) return result;
  const restart = new Float64Array(n);
  let seedTotal = 0;
  graph.files.forEach((f, i) => { const w = seeds.get(f) ?? 0; restart[i] = w; seedTotal += w; });
  if (seedTotal > 0) for (let i = 0; i < n; i++) restart[i] /= seedTotal;
  else restart.fill(1 / n);   // no seeds: plain PageRank (central files)
  const outWeight = new Float64Array(n);
  for (let i = 0; i < n; i++) for (const w of graph.weights[i]) outWeight[i] += w;
  let rank = Float64Array.from(restart);
  let next = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    next.fill(0);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      if (outWeight[i] === 0) { dangling += rank[i]; continue; }
      const share = rank[i] / outWeight[i];
      const t = graph.targets[i]; const w = graph.weights[i];
      for (let k = 0; k < t.length; k++) next[t[k]] += share * w[k];
    }
    let delta = 0;
    for (let i = 0; i < n; i++) {
      const v = damping * (next[i] + dangling * restart[i]) + (1 - damping) * restart[i];
      delta += Math.abs(v - rank[i]);
      next[i] = v;
    }
    [rank, next] = [next, rank];
    if (delta < 1e-9) break;
  }
  graph.files.forEach((f, i) => { if (rank[i] > 0) result.set(f, rank[i]); });
  return result;
}
