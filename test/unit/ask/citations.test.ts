import * as assert from 'assert';
import { parseCitations, fallbackCitations, citationsFor, CitableChunk } from '../../../server/ask/citations';

const chunks: CitableChunk[] = [
  { file: 'src/math/add.ts', startLine: 1, endLine: 12, score: 0.9, text: 'export function addNumbers(a: number, b: number) { return a + b; }' },
  { file: 'src/io/readConfig.py', startLine: 20, endLine: 45, score: 0.5, text: 'def read_config(path):\n    with open(path) as f:\n        return parse_toml(f.read())' },
  { file: 'lib/util.go', startLine: 3, endLine: 9, score: 0.7, text: 'func Clamp(x, lo, hi int) int { return min(max(x, lo), hi) }' },
];

describe('answer citations', () => {
  it('keeps file:line mentions that land inside a context chunk', () => {
    const answer = 'The sum is computed in src/math/add.ts:3 and config is read at `readConfig.py:22-30`. See also src/other.ts:5 and lib/util.go:99.';
    assert.deepStrictEqual(parseCitations(answer, chunks), [
      { file: 'src/math/add.ts', startLine: 3, endLine: 3 },
      { file: 'src/io/readConfig.py', startLine: 22, endLine: 30 },
    ]);
  });

  it('accepts the #L and "line" spellings and drops duplicates', () => {
    const answer = 'lib/util.go#L4, lib/util.go line 4 and lib/util.go:4';
    assert.deepStrictEqual(parseCitations(answer, chunks), [{ file: 'lib/util.go', startLine: 4, endLine: 4 }]);
  });

  it('falls back to chunks whose identifiers the answer uses', () => {
    const answer = 'It calls read_config with a path and then parse_toml.';
    assert.deepStrictEqual(fallbackCitations(answer, chunks), [{ file: 'src/io/readConfig.py', startLine: 20, endLine: 45 }]);
    assert.deepStrictEqual(citationsFor(answer, chunks), [{ file: 'src/io/readConfig.py', startLine: 20, endLine: 45 }]);
  });

  it('cites the top-ranked chunk when nothing overlaps, and nothing without context', () => {
    assert.deepStrictEqual(fallbackCitations('I do not know.', chunks), [{ file: 'src/math/add.ts', startLine: 1, endLine: 12 }]);
    assert.deepStrictEqual(citationsFor('anything', []), []);
  });
});
