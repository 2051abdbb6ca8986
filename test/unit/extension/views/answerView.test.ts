// Pure parts of the answer UI: citation mentions found in answer text, and heat levels for the overlays.
import * as assert from 'assert';
import { findCitations } from '../../../../extension/views/answerMessages';
import { blocksByFile, heatBlocks, HEAT_LEVELS } from '../../../../extension/views/heatScale';

describe('answer citations', function () {
  it('finds file:line and file:start-end mentions with their offsets', function () {
    const text = 'See src/app/main.ts:12-20 and util.py:7; not 12:30, not http://host:8080/x.';
    const found = findCitations(text);
    assert.deepStrictEqual(found.map((c) => [c.file, c.startLine, c.endLine]), [['src/app/main.ts', 12, 20], ['util.py', 7, 7]]);
    assert.strictEqual(text.substr(found[0].index, found[0].length), 'src/app/main.ts:12-20');
  });

  it('ignores inverted and zero line ranges', function () {
    assert.deepStrictEqual(findCitations('a.ts:20-10 b.ts:0'), []);
  });
});

describe('overlay heat scale', function () {
  const blocks = [0.5, 0.1, 0.3, 0.05, 0.02].map((score, i) => ({ file: i % 2 ? 'b.ts' : 'a.ts', startLine: 10 - i, endLine: 12 - i, score }));

  it('gives the hottest level to the best-scored block and the coolest to the worst', function () {
    const heat = heatBlocks(blocks);
    assert.strictEqual(heat[0].level, HEAT_LEVELS - 1);
    assert.strictEqual(heat[0].rank, 0);
    assert.strictEqual(heat[4].level, 0);
    assert.strictEqual(heat[4].rank, 4);
    assert.ok(heat[2].level > heat[1].level);
  });

  it('gives equal scores the same level', function () {
    const heat = heatBlocks([0.2, 0.2, 0.2, 0.2].map((score, i) => ({ file: 'x', startLine: i + 1, endLine: i + 1, score })));
    assert.deepStrictEqual(heat.map((h) => h.level), [4, 4, 4, 4]);
  });

  it('groups blocks by file in line order', function () {
    const byFile = blocksByFile(heatBlocks(blocks));
    assert.deepStrictEqual([...byFile.keys()].sort(), ['a.ts', 'b.ts']);
    assert.deepStrictEqual(byFile.get('a.ts')!.map((b) => b.startLine), [6, 8, 10]);
  });
});
