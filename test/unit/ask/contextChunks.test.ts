import * as assert from 'assert';
import { contextChunkStats } from '../../../server/ask/contextChunks';

describe('context chunk stats', () => {
  it('counts the prompt tokens that start inside each packed chunk', () => {
    // Prompt: 10 characters of preamble, then chunk A (chars 0-20 of the context) and chunk B (20-30).
    const chunks = [
      { file: 'a.py', startLine: 1, endLine: 4, charStart: 0, charEnd: 20 },
      { file: 'b.py', startLine: 7, endLine: 9, charStart: 20, charEnd: 30 },
    ];
    // Tokens of 5 characters each from 0 to 45: two in the preamble, four in A, two in B, one after.
    const spans = new Int32Array(18);
    for (let t = 0; t < 9; t++) { spans[2 * t] = t * 5; spans[2 * t + 1] = t * 5 + 5; }
    assert.deepStrictEqual(contextChunkStats(chunks, spans, 10), [
      { file: 'a.py', startLine: 1, endLine: 4, tokens: 4 },
      { file: 'b.py', startLine: 7, endLine: 9, tokens: 2 },
    ]);
  });

  it('an empty context has no chunks', () => {
    assert.deepStrictEqual(contextChunkStats([], new Int32Array(4), 0), []);
  });
});
