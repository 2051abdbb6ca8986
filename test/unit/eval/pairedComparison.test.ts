import * as assert from 'assert';
import { pairedDifferences } from '../../../test/eval/pairedComparison';
import { ScoredAnswer } from '../../../test/eval/scoring';

const answer = (over: Partial<ScoredAnswer> = {}): ScoredAnswer => ({
  contextHit: true, citations: { correct: 1, total: 2 }, overlayHit3: true, answerMatch: false, stopReason: 'stop', ...over,
});

describe('eval paired comparison', () => {
  it('finds no difference, and a zero interval, between identical answers', () => {
    const a = Array.from({ length: 40 }, (_, i) => answer({ overlayHit3: i % 3 === 0, answerMatch: i % 5 === 0 }));
    for (const d of pairedDifferences(a, a.map((s) => ({ ...s })))) {
      assert.strictEqual(d.difference, 0, d.measure);
      assert.deepStrictEqual(d.interval, [0, 0], d.measure);
      assert.strictEqual(d.questionsThatDiffer, 0, d.measure);
    }
  });

  it('one answer of 48 apart is 2.1 points, and its interval reaches zero', () => {
    const a = Array.from({ length: 48 }, () => answer());
    const b = a.map((s, i) => (i === 7 ? { ...s, answerMatch: true } : { ...s }));
    const d = pairedDifferences(a, b).find((x) => x.measure === 'answerMatch')!;
    assert.ok(Math.abs(d.difference - 1 / 48) < 1e-12, String(d.difference));
    assert.strictEqual(d.questionsThatDiffer, 1);
    assert.strictEqual(d.interval[0], 0, 'a single flip can be resampled away');
    assert.ok(d.interval[1] >= 1 / 48 && d.interval[1] <= 4 / 48, String(d.interval));
  });

  it('a difference on every question has an interval that excludes zero', () => {
    const a = Array.from({ length: 30 }, () => answer({ stopReason: 'stop' }));
    const b = a.map((s) => ({ ...s, stopReason: 'length' }));
    const d = pairedDifferences(a, b).find((x) => x.measure === 'lengthStopRate')!;
    assert.strictEqual(d.difference, 1);
    assert.deepStrictEqual(d.interval, [1, 1]);
    assert.strictEqual(d.questionsThatDiffer, 30);
  });

  it('scores the overlay on packed answers only, and counts a changed citation split as a difference', () => {
    const a = [answer({ contextHit: false, overlayHit3: false }), answer()];
    const b = [answer({ contextHit: false, overlayHit3: true }), answer({ citations: { correct: 2, total: 2 } })];
    const ds = pairedDifferences(a, b);
    assert.strictEqual(ds.find((x) => x.measure === 'overlayHit3')!.questionsThatDiffer, 0);
    const c = ds.find((x) => x.measure === 'citationPrecision')!;
    assert.strictEqual(c.questionsThatDiffer, 1);
    assert.ok(Math.abs(c.difference - (3 / 4 - 2 / 4)) < 1e-12);
  });

  it('refuses answers to different question sets', () => {
    assert.throws(() => pairedDifferences([answer()], []), /same questions/);
  });

  it('gives the same intervals twice', () => {
    const a = Array.from({ length: 20 }, (_, i) => answer({ answerMatch: i % 2 === 0 }));
    const b = a.map((s, i) => ({ ...s, answerMatch: i % 3 === 0 }));
    assert.deepStrictEqual(pairedDifferences(a, b), pairedDifferences(a, b));
  });
});
