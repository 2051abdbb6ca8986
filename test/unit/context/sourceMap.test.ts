// The token -> source map on a real packed context inside a prompt: every mapped token's text occurs on the source
// line it maps to; headers, separators and the question map to nothing; ranges merge adjacent lines.
import * as assert from 'assert';
import * as path from 'path';
import { buildContext } from '../../../server/context/buildContext';
import { SourceMap } from '../../../server/context/sourceMap';
import { RepoIndex } from '../../../server/index/repoIndex';
import { FIXTURES } from '../index/indexTestSupport';
import { countTokens, expectGolden, tokenSpans } from './contextTestSupport';

describe('context: source map', () => {
  let index: RepoIndex;
  before(async () => { index = await RepoIndex.build(path.join(FIXTURES, 'shop'), { cacheDir: null }); });
  after(() => index?.dispose());

  const prompt = (budget: number, question = 'How does Cart compute the total with discounts?') => {
    const ctx = buildContext(index, { question, budgetTokens: budget, countTokens });
    const before = '<|im_start|>system\nAnswer from the code below.\n';
    const text = `${before}${ctx.text}\nQuestion: ${question}<|im_end|>\n`;
    const spans = tokenSpans(text);
    return { ctx, text, spans, map: SourceMap.fromPackedContext(ctx, spans, before.length) };
  };

  it('maps each identifier token to a source line that contains it', () => {
    const { text, spans, map } = prompt(600);
    let mapped = 0;
    for (let t = 0; t < spans.length / 2; t++) {
      const word = text.slice(spans[2 * t], spans[2 * t + 1]);
      const ranges = map.rangesForTokens(t, t + 1);
      if (!ranges.length) continue;
      assert.strictEqual(ranges.length, 1);
      const { file, startLine, endLine } = ranges[0];
      assert.strictEqual(startLine, endLine);
      const line = index.fileText(file)!.split('\n')[startLine - 1];
      if (/^[A-Za-z_]\w*$/.test(word)) { assert.ok(line.includes(word), `token ${t} "${word}" -> ${file}:${startLine} "${line}"`); mapped++; }
    }
    assert.ok(mapped > 100, `only ${mapped} identifier tokens were mapped`);
  });

  it('headers, the text around the context and the question map to nothing', () => {
    const { text, spans, map } = prompt(600);
    for (let t = 0; t < spans.length / 2; t++) {
      const start = spans[2 * t];
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      const lineText = text.slice(lineStart, text.indexOf('\n', start) < 0 ? undefined : text.indexOf('\n', start));
      const isHeaderOrPrompt = lineText.startsWith('// src/') || lineText.startsWith('Question:') || lineText.startsWith('<|im_start|>') ||
        lineText.startsWith('Answer from');
      if (isHeaderOrPrompt && /\w/.test(text.slice(start, spans[2 * t + 1]))) assert.deepStrictEqual(map.rangesForTokens(t, t + 1), [], `token ${t} on "${lineText}"`);
    }
  });

  it('a block of tokens maps to merged line ranges (golden, as the selected-blocks overlay uses it)', () => {
    const { spans, map } = prompt(600);
    const tokens = spans.length / 2;
    const blocks: string[] = [];
    for (let b = 0; b * 64 < tokens; b++) {
      blocks.push(`block ${b}: ` + map.rangesForTokens(b * 64, (b + 1) * 64).map((r) => `${r.file}:${r.startLine}-${r.endLine}`).join(', '));
    }
    expectGolden('source-map-blocks.txt', blocks.join('\n') + '\n');
    assert.strictEqual(map.length, tokens);
  });

  it('a whole chunk maps back to exactly its lines; outline lines map to the lines they list', () => {
    const { ctx, spans, map } = prompt(250);
    const first = (c: { charStart: number }) => { let t = 0; while (spans[2 * t] - 48 < c.charStart) t++; return t; };
    for (const c of ctx.chunks) {
      const from = first(c);
      let to = from; while (to < spans.length / 2 && spans[2 * to] - 48 < c.charEnd) to++;
      const ranges = map.rangesForTokens(from, to);
      if (c.kind === 'outline') {
        const listed = ctx.text.slice(c.charStart, c.charEnd).split('\n').slice(1).map((l) => Number(l.split(':')[0]));
        assert.deepStrictEqual(ranges.map((r) => r.startLine), listed.filter((l, i) => i === 0 || l !== listed[i - 1] + 1));
      } else {
        assert.deepStrictEqual(ranges, [{ file: c.file, startLine: c.startLine, endLine: c.endLine }]);
      }
    }
  });

  it('for the overlay, the lines of one block of one chunk are one range, outline lines included', () => {
    const { ctx, spans, map } = prompt(250);
    const first = (c: { charStart: number }) => { let t = 0; while (spans[2 * t] - 48 < c.charStart) t++; return t; };
    const outline = ctx.chunks.find((c) => c.kind === 'outline');
    assert.ok(outline, 'the tight budget packs an outline');
    const from = first(outline);
    let to = from; while (to < spans.length / 2 && spans[2 * to] - 48 < outline.charEnd) to++;
    const listed = ctx.text.slice(outline.charStart, outline.charEnd).split('\n').slice(1).map((l) => Number(l.split(':')[0]));
    assert.deepStrictEqual(map.chunkRangesForTokens(from, to), [{ file: outline.file, startLine: Math.min(...listed), endLine: Math.max(...listed) }]);
    // A span over two chunks gives one range per chunk, in prompt order.
    const [a, b] = ctx.chunks;
    let end = first(b); while (end < spans.length / 2 && spans[2 * end] - 48 < b.charEnd) end++;
    assert.deepStrictEqual(map.blockRanges().rangesForTokens(first(a), end).map((r) => r.file + ':' + r.startLine),
      [a, b].map((c) => c.file + ':' + (c.kind === 'outline' ? Number(ctx.text.slice(c.charStart, c.charEnd).split('\n')[1].split(':')[0]) : c.startLine)));
  });

  it('out-of-range and empty token ranges are empty, not errors', () => {
    const { map } = prompt(200);
    assert.deepStrictEqual(map.rangesForTokens(1e9, 1e9 + 5), []);
    assert.deepStrictEqual(map.rangesForTokens(10, 10), []);
    assert.deepStrictEqual(map.rangesForTokens(-5, 0), []);
  });
});
