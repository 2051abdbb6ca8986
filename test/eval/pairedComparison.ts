/**
 * How far apart two attention modes are on the same questions, and how far apart they could be by chance: for each
 * measure of EvalSummary, the difference of the two aggregates, a 95% interval for it from a paired bootstrap over
 * the questions (resampling question indices, both modes' answers to a question kept together), and how many
 * questions the two modes score differently. With 48 questions one answer is 2.1 points, and the eval's answers move
 * that much under a one-ulp change of dense attention: the interval says whether a difference is more than that.
 */
import { EvalSummary, ScoredAnswer, summarise } from './scoring';

export type Measure = 'contextHitRate' | 'citationPrecision' | 'overlayHit3' | 'answerMatch' | 'lengthStopRate';

export const MEASURES: { key: Measure; label: string }[] = [
  { key: 'contextHitRate', label: 'Context hit' },
  { key: 'citationPrecision', label: 'Citation precision' },
  { key: 'overlayHit3', label: 'Overlay hit@3 (packed)' },
  { key: 'answerMatch', label: 'Answer match' },
  { key: 'lengthStopRate', label: 'Length stops' },
];

export interface PairedDifference {
  measure: Measure;
  a: number;
  b: number;
  /** b - a. */
  difference: number;
  /** 2.5th and 97.5th percentiles of b - a over the bootstrap resamples. */
  interval: [number, number];
  /** Questions whose own score on this measure differs between a and b. */
  questionsThatDiffer: number;
}

/** One question's own score on a measure, to count the questions on which the modes differ. */
function ownScore(s: ScoredAnswer, m: Measure): string {
  switch (m) {
    case 'contextHitRate': return String(s.contextHit);
    case 'citationPrecision': return `${s.citations.correct}/${s.citations.total}`;
    case 'overlayHit3': return s.contextHit ? String(s.overlayHit3) : 'not packed';
    case 'answerMatch': return String(s.answerMatch);
    case 'lengthStopRate': return String(s.stopReason === 'length');
  }
}

/** A small seeded generator (mulberry32), so a summary printed twice gives the same intervals. */
function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** `a[i]` and `b[i]` are the two modes' answers to question i. */
export function pairedDifferences(a: ScoredAnswer[], b: ScoredAnswer[], resamples = 2000, seed = 1): PairedDifference[] {
  if (a.length !== b.length) throw new Error(`paired comparison needs the same questions: ${a.length} against ${b.length}`);
  const n = a.length;
  const whole = [summarise(a), summarise(b)];
  const draws: EvalSummary[][] = [];
  const random = seededRandom(seed);
  for (let r = 0; r < resamples && n > 0; r++) {
    const pick = Array.from({ length: n }, () => Math.floor(random() * n));
    draws.push([summarise(pick.map((i) => a[i])), summarise(pick.map((i) => b[i]))]);
  }
  return MEASURES.map(({ key }) => {
    const diffs = draws.map(([x, y]) => y[key] - x[key]).sort((p, q) => p - q);
    const at = (q: number) => (diffs.length ? diffs[Math.min(diffs.length - 1, Math.floor(q * diffs.length))] : 0);
    return {
      measure: key,
      a: whole[0][key],
      b: whole[1][key],
      difference: whole[1][key] - whole[0][key],
      interval: [at(0.025), at(0.975)] as [number, number],
      questionsThatDiffer: a.filter((s, i) => ownScore(s, key) !== ownScore(b[i], key)).length,
    };
  });
}
