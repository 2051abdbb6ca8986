import * as assert from 'assert';
import { BASELINE_SMOOTHING, baselineRelativeScores, keyBlockScores, layerWindowMass, PLACE_LINE_GAP, readingLayers, selectedBlocksFromScores, TokenRangeMapper } from '../../../server/ask/selectedBlocks';

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
    // Block 1 and 3 scored 0; blocks 0, 2, 4 and 5 are read, block 5 right after block 4 in b.py.
    const scores = [0.5, 0, 0.4, 0, 0.2, 0.05];
    const blocks = selectedBlocksFromScores(scores, 16, 90, mapper);
    assert.deepStrictEqual(blocks, [
      { file: 'a.ts', startLine: 1, endLine: 3, score: 1 }, // block 0 covers tokens 10..15
      { file: 'a.ts', startLine: 12, endLine: 19, score: 0.8 }, // block 2: tokens 32..47
      // Blocks 4 (tokens 64..79) and 5 (80..89) are neighbours in one file: one place, scored by the better one.
      { file: 'b.py', startLine: 8, endLine: 20, score: 0.4 },
    ]);
  });

  it('shows neighbouring blocks of one place as one entry, so the first entries name different places', () => {
    // The three best ranges: blocks 0 and 1 (a.ts, neighbours) and block 4 (b.py); block 2 is not among them.
    const blocks = selectedBlocksFromScores([0.5, 0.45, 0.1, 0, 0.3], 16, 90, mapper, 3);
    assert.deepStrictEqual(blocks.map((b) => [b.file, b.startLine, b.endLine, b.score]), [['a.ts', 1, 11, 1], ['b.py', 8, 15, 0.6]]);
  });

  it('a block between two listed places joins them into one', () => {
    // Blocks 0 and 2 are listed first; block 1 lies between them in the same file and joins them.
    const blocks = selectedBlocksFromScores([0.5, 0.2, 0.4, 0, 0.3], 16, 90, mapper);
    assert.deepStrictEqual(blocks.map((b) => [b.file, b.startLine, b.endLine, b.score]), [['a.ts', 1, 19, 1], ['b.py', 8, 15, 0.6]]);
  });

  it('blocks of different files are different places even where their blocks are neighbours', () => {
    // Block 2 ends a.ts (lines 12..19) and block 3 starts b.py (tokens 50..63) after a.ts's last line.
    const blocks = selectedBlocksFromScores([0, 0, 0.5, 0.4], 16, 90, mapper);
    assert.ok(blocks.some((b) => b.file === 'a.ts') && blocks.some((b) => b.file === 'b.py'));
  });

  it('returns nothing when no block has a score (dense runs without an estimate)', () => {
    assert.deepStrictEqual(selectedBlocksFromScores([0, 0, 0], 64, 150, mapper), []);
    assert.deepStrictEqual(selectedBlocksFromScores([], 64, 150, mapper), []);
  });

  it('neighbouring blocks a blank line or two apart are one place; further apart they are two', () => {
    assert.strictEqual(PLACE_LINE_GAP, 3);
    // Block 0 ends at line 10 of c.py; block 1 starts two blank lines later (line 13), or six (line 17).
    const apart = (gap: number): TokenRangeMapper => ({
      rangesForTokens: (start) => (start === 0 ? [{ file: 'c.py', startLine: 1, endLine: 10 }] : [{ file: 'c.py', startLine: 11 + gap, endLine: 20 + gap }]),
    });
    assert.deepStrictEqual(selectedBlocksFromScores([1, 0.5], 10, 20, apart(2)).map((b) => [b.startLine, b.endLine]), [[1, 22]]);
    assert.deepStrictEqual(selectedBlocksFromScores([1, 0.5], 10, 20, apart(6)).map((b) => [b.startLine, b.endLine]), [[1, 10], [17, 26]]);
  });

  it('caps the number of ranges it groups', () => {
    // Four places (blocks 1, 3, 5, 7 are not neighbours), three entries.
    const scores = [0, 1, 0, 0.9, 0, 0.8, 0, 0.7];
    assert.strictEqual(selectedBlocksFromScores(scores, 10, 90, mapper).length, 4);
    assert.strictEqual(selectedBlocksFromScores(scores, 10, 90, mapper, 3).length, 3);
  });
});

describe('overlay scores against a neutral question', () => {
  it('divides each block share of the question by the neutral share, smoothed by a twentieth of an even share', () => {
    assert.strictEqual(BASELINE_SMOOTHING, 0.05);
    // Shares of the question: [0, .5, .25, .25]; of the neutral question: [0, .8, .1, .1]; three blocks were read.
    const got = Array.from(baselineRelativeScores([0, 4, 2, 2], [0, 8, 1, 1]));
    const even = 1 / 3;
    const want = [0, 0.5 / (0.8 + 0.05 * even), 0.25 / (0.1 + 0.05 * even), 0.25 / (0.1 + 0.05 * even)];
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-6, `block ${i}: ${g} vs ${want[i]}`));
    // The block nearest the question drew most of both; what this question read beyond the neutral one wins.
    assert.ok(got[2] > got[1]);
  });

  it('keeps unread blocks at 0 and leaves a block the neutral question never read finite', () => {
    const got = Array.from(baselineRelativeScores([0, 3, 0, 1], [5, 5, 5, 0]));
    assert.strictEqual(got[0], 0);
    assert.strictEqual(got[2], 0);
    assert.ok(Number.isFinite(got[3]) && Math.abs(got[3] - 0.25 / (0.05 / 2)) < 1e-6);
    assert.deepStrictEqual(Array.from(baselineRelativeScores([0, 0], [1, 1])), [0, 0]);
  });

  it('the overlay uses the baseline where the engine measured it, else the question mass, else the estimate', () => {
    const base = { mode: 'dense' as const, density: 1, blockSize: 64, nBlocks: 3, keyBlockScore: Float32Array.from([0.2, 0.3, 0.5]) };
    const mass = Float32Array.from([0, 6, 4]);
    assert.deepStrictEqual(Array.from(keyBlockScores(base)), [0.2, 0.3, 0.5].map(Math.fround));
    assert.deepStrictEqual(Array.from(keyBlockScores({ ...base, questionBlockMass: mass })), [0, 6, 4]);
    const relative = Array.from(keyBlockScores({ ...base, questionBlockMass: mass, baselineBlockMass: Float32Array.from([0, 9, 1]) }));
    // Raw mass prefers block 1; against the neutral question (which read block 1 nine times more) block 2 wins.
    assert.ok(relative[2] > relative[1] && relative[0] === 0);
  });

  it('reads the middle layers where each layer was measured: 14-19 of 30, 13-18 of 28, one layer at least', () => {
    assert.deepStrictEqual(readingLayers(30), { from: 14, to: 20 });
    assert.deepStrictEqual(readingLayers(28), { from: 13, to: 19 });
    assert.deepStrictEqual(readingLayers(1), { from: 0, to: 1 });
    assert.deepStrictEqual(Array.from(layerWindowMass([1, 2, 10, 20, 100, 200], 2, 1, 3)), [110, 220]);
    // Three layers of three blocks: the question's total favours block 1 (layer 0, positional), the reading layer
    // (layer 1 of 3) favours block 2; the neutral question read every block alike.
    const base = { mode: 'dense' as const, density: 1, blockSize: 64, nBlocks: 3, keyBlockScore: new Float32Array(3) };
    const questionLayerMass = Float32Array.from([0, 9, 0, /* layer 1 */ 0, 1, 5, /* layer 2 */ 0, 1, 1]);
    const baselineLayerMass = Float32Array.from([0, 3, 3, 0, 2, 2, 0, 1, 1]);
    const sum = (m: Float32Array) => Float32Array.from([0, 1, 2], (b) => m[b] + m[3 + b] + m[6 + b]);
    const report = { ...base, questionBlockMass: sum(questionLayerMass), baselineBlockMass: sum(baselineLayerMass) };
    const overAll = Array.from(keyBlockScores(report));
    assert.ok(overAll[1] > overAll[2], 'summed over every layer, block 1 leads');
    const reading = Array.from(keyBlockScores({ ...report, questionLayerMass, baselineLayerMass }));
    assert.deepStrictEqual(reading, Array.from(baselineRelativeScores([0, 1, 5], [0, 2, 2])));
    assert.ok(reading[2] > reading[1], 'in the reading layer, block 2 leads');
    // Layer data that does not match the blocks is not read.
    assert.deepStrictEqual(Array.from(keyBlockScores({ ...report, questionLayerMass: questionLayerMass.subarray(0, 8), baselineLayerMass })), overAll);
  });
});
