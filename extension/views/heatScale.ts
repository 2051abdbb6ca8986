/**
 * How selection scores become overlay colours. Scores are shares of attention in [0, 1] and most are small, so
 * they are ranked within the answer (rank 0 = hottest) rather than bucketed by absolute value: the hottest
 * fifth of the kept blocks always gets the hottest colour. Pure: unit-tested without VS Code.
 */
import type { SelectedBlock } from '../../server/protocol/protocol';

export const HEAT_LEVELS = 5;

/** Background colours from cool (level 0) to hot (level 4); alpha stays low so code stays readable. */
export const HEAT_COLOURS = [
  'rgba(66, 135, 245, 0.10)',
  'rgba(66, 200, 160, 0.12)',
  'rgba(245, 197, 66, 0.14)',
  'rgba(245, 140, 50, 0.17)',
  'rgba(224, 70, 46, 0.20)',
];

export interface HeatBlock extends SelectedBlock { level: number; rank: number }

/** Adds a heat level (0..HEAT_LEVELS-1) and a rank to each block; equal scores share a level. */
export function heatBlocks(blocks: readonly SelectedBlock[]): HeatBlock[] {
  const order = [...blocks].map((b, i) => ({ b, i })).sort((x, y) => y.b.score - x.b.score || x.i - y.i);
  const n = order.length;
  const out: HeatBlock[] = new Array(n);
  let level = HEAT_LEVELS - 1;
  order.forEach(({ b, i }, rank) => {
    const prev = rank > 0 ? order[rank - 1].b.score : undefined;
    if (prev === undefined || b.score !== prev) level = HEAT_LEVELS - 1 - Math.min(HEAT_LEVELS - 1, Math.floor((rank * HEAT_LEVELS) / n));
    out[i] = { ...b, level, rank };
  });
  return out;
}

/** Blocks grouped by workspace-relative file, each file's blocks in line order. */
export function blocksByFile(blocks: readonly HeatBlock[]): Map<string, HeatBlock[]> {
  const m = new Map<string, HeatBlock[]>();
  for (const b of blocks) {
    const list = m.get(b.file) ?? [];
    list.push(b);
    m.set(b.file, list);
  }
  for (const list of m.values()) list.sort((a, b) => a.startLine - b.startLine);
  return m;
}
