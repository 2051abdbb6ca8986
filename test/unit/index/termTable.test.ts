// The packed per-file term tables (fileTermTable.ts) and the character-loop term scanner (chunkTerms.ts): the same
// terms as terms.ts's forEachTerm, counted per chunk without the lines of nested chunks, found by byte search.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { termTableFor } from '../../../server/index/chunkTerms';
import type { ChunkRecord } from '../../../server/index/fileRecord';
import { findTerm, termAt, termCount, termKey, type FileTermTable } from '../../../server/index/fileTermTable';
import { splitLines, TextLines } from '../../../server/index/lineWindows';
import { forEachTerm } from '../../../server/index/terms';

/** term -> [chunk, tf][] as plain data, for deepStrictEqual. */
function asMap(table: FileTermTable): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (let k = 0; k < termCount(table); k++) {
    const pairs: number[][] = [];
    for (let p = table.offsets[k]; p < table.offsets[k + 1]; p += 2) pairs.push([table.pairs[p], table.pairs[p + 1]]);
    out[termAt(table, k)] = pairs;
  }
  return out;
}

const chunk = (startLine: number, endLine: number): ChunkRecord => ({ kind: 'definition', startLine, endLine, length: 0 });

describe('index: packed term tables', () => {
  it('counts each chunk\'s own lines (not its nested chunks\'), splits identifiers, and sets chunk lengths', () => {
    const lines = [
      'class TokenCache {',           // 1  chunk 0 (class)
      '  size = 0x1F;',               // 2
      '  loadToken(max_new) {',       // 3  chunk 1 (method, nested)
      '    return max_new + size;',   // 4
      '  }',                          // 5
      '}',                            // 6
      'é x $el TokenCache',           // 7  chunk 2 (window)
    ];
    const chunks = [chunk(1, 6), chunk(3, 5), { ...chunk(7, 7), kind: 'window' as const }];
    const table = termTableFor(new TextLines(lines.join('\n')), chunks);
    assert.deepStrictEqual(asMap(table), {
      $el: [[2, 1]],
      cache: [[0, 1], [2, 1]],
      class: [[0, 1]],
      load: [[1, 1]],
      loadtoken: [[1, 1]],
      max: [[1, 2]],
      max_new: [[1, 2]],
      new: [[1, 2]],
      return: [[1, 1]],
      size: [[0, 1], [1, 1]],
      token: [[0, 1], [1, 1], [2, 1]],
      tokencache: [[0, 1], [2, 1]],
      x1f: [[0, 1]],
    });
    assert.deepStrictEqual(chunks.map((c) => c.length), [6, 11, 4]);
  });

  it('finds terms by bytes, and nothing for absent or non-ASCII terms', () => {
    const table = termTableFor(new TextLines('alpha beta gamma delta alphabet alp'), [chunk(1, 1)]);
    for (const t of ['alp', 'alpha', 'alphabet', 'beta', 'delta', 'gamma']) assert.strictEqual(termAt(table, findTerm(table, termKey(t)!)), t);
    for (const t of ['al', 'alphab', 'zeta', 'a', '']) assert.strictEqual(findTerm(table, termKey(t)!), -1, t);
    assert.strictEqual(termKey('naïve'), undefined);
    const empty = termTableFor(new TextLines(''), [chunk(1, 1)]);
    assert.strictEqual(findTerm(empty, termKey('alpha')!), -1);
  });

  it('holds exactly the terms forEachTerm finds in a real source file, chunk by chunk', () => {
    const text = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'server', 'context', 'buildContext.ts'), 'utf8');
    const lines = splitLines(text);
    // Non-nested 25-line chunks, so each chunk's own text is simply its lines.
    const chunks: ChunkRecord[] = [];
    for (let s = 1; s <= lines.length; s += 25) chunks.push(chunk(s, Math.min(lines.length, s + 24)));
    const table = termTableFor(new TextLines(text), chunks);
    const expected: Record<string, number[][]> = {};
    chunks.forEach((c, i) => {
      const counts = new Map<string, number>();
      forEachTerm(lines.slice(c.startLine - 1, c.endLine).join('\n'), (t) => counts.set(t, (counts.get(t) ?? 0) + 1));
      for (const [t, n] of counts) (expected[t] ??= []).push([i, n]);
      assert.strictEqual(c.length, [...counts.values()].reduce((a, b) => a + b, 0));
    });
    const sorted = Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1)));
    assert.deepStrictEqual(asMap(table), sorted);
    assert.ok(termCount(table) > 300);
  });
});
