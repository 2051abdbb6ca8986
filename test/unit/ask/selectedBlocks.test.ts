import * as assert from 'assert';
import { selectedBlocksFromScores, TokenRangeMapper } from '../../../server/ask/selectedBlocks';

// Tokens 0..9 are the system prompt (no source); then each 10 tokens are 5 lines of a.ts, then b.py.
const mapper: TokenRangeMapper = {
  rangesForTokens(start, end) {
    const out: { file: string; startLine: number; endLine: number }[] = [];
    for (let t = Math.max(start, 10); t < end; t++) {
      const file = t < 50 ? 'a.ts' : 'b.py';
      const line = Math.floor((t - (t < 50 ? 10 : 50)) / 2) + 1;
      const last = out[out.length - 1];
      if (last && last.file === file) last.endLine = line;
      else out.push({ file, startLine: line, endLine: line });
    }
    return out;
  },
};

describe('selected blocks', () => {
  it('maps key blocks to source ranges, strongest first, scores relative to the best', () => {
    const scores = [0.5, 0.1, 0.4, 0, 0.2, 0.05];
    const blocks = selectedBlocksFromScores(scores, 16, 90, mapper);
    assert.deepStrictEqual(blocks[0], { file: 'a.ts', startLine: 1, endLine: 3, score: 1 }); // block 0 covers tokens 10..15
    assert.ok(blocks.every((b) => b.score > 0 && b.score <= 1));
    for (let i = 1; i < blocks.length; i++) assert.ok(blocks[i - 1].score >= blocks[i].score);
    // Block 3 scored 0: its lines (tokens 48..63) appear only through other blocks.
    assert.ok(!blocks.some((b) => b.file === 'b.py' && b.startLine === 1 && b.endLine === 7 && b.score === 0));
    // Block 5 starts at token 80 < 90 and maps into b.py.
    assert.ok(blocks.some((b) => b.file === 'b.py' && b.startLine === 16));
  });

  it('returns nothing when no block has a score (dense runs without an estimate)', () => {
    assert.deepStrictEqual(selectedBlocksFromScores([0, 0, 0], 64, 150, mapper), []);
    assert.deepStrictEqual(selectedBlocksFromScores([], 64, 150, mapper), []);
  });

  it('caps the number of blocks', () => {
    const scores = Array.from({ length: 8 }, (_, i) => 1 - i / 10);
    assert.strictEqual(selectedBlocksFromScores(scores, 10, 90, mapper, 3).length, 3);
  });
});
