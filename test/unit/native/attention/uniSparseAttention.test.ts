// UniSparse on the CPU: tau = 1 reproduces dense, the plan equals the float64 reference selection, planted
// needles far back are found, sink and diagonal are always kept, and sparse output stays close to dense.
import * as assert from 'assert';
import { copySourceBlocksReference, denseAttentionReference, maxAbsDiff, recallOfRow, uniSparsePlanReference, widenedTau, AttentionShapeJs } from '../../../support/attentionReference';
import { plantedAttention } from '../../../support/plantedAttention';
import { DEFAULT_ATTENTION } from '../../../../common/attentionOptions';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../../../native');

function planRow(plan: { rowPtr: Int32Array; keyBlocks: Int32Array }, r: number): number[] {
  return Array.from(plan.keyBlocks.slice(plan.rowPtr[r], plan.rowPtr[r + 1]));
}

/** Rows may differ only where float32 vs float64 rounding flips a near tie at the selection boundary. */
function assertPlansAgree(plan: any, ref: ReturnType<typeof uniSparsePlanReference>, tau: number) {
  assert.strictEqual(plan.nQueryBlocks, ref.nQueryBlocks);
  assert.strictEqual(plan.firstQueryBlock, ref.firstQueryBlock);
  let differing = 0;
  for (let r = 0; r < ref.rows.length; r++) {
    const got = planRow(plan, r);
    const scores = Array.from(plan.keyScores.slice(plan.rowPtr[r], plan.rowPtr[r + 1])) as number[];
    got.forEach((b, i) => assert.ok(Math.abs(scores[i] - ref.shares[r][b]) < 1e-4,
      `row ${r} block ${b}: native share ${scores[i]} vs reference ${ref.shares[r][b]}`));
    if (JSON.stringify(got) === JSON.stringify(ref.rows[r])) continue;
    differing++;
    const share = ref.shares[r];
    const kept = ref.rows[r].reduce((a, b) => a + share[b], 0);
    const diff = got.filter((b) => !ref.rows[r].includes(b)).concat(ref.rows[r].filter((b) => !got.includes(b)));
    const boundary = Math.min(...ref.rows[r].filter((b) => b !== 0 && b !== ref.firstQueryBlock + r).map((b) => share[b]));
    const nearTie = diff.every((b) => Math.abs(share[b] - boundary) < 1e-5) || Math.abs(kept - share[diff[0]] - tau) < 1e-5;
    assert.ok(nearTie, `row ${r}: native ${JSON.stringify(got)} vs reference ${JSON.stringify(ref.rows[r])}`);
  }
  assert.ok(differing <= Math.max(1, ref.rows.length / 50), `${differing} rows differ`);
}

describe('UniSparse CPU attention', () => {
  const base = { heads: 4, kvHeads: 2, headDim: 64, seq: 1000, seed: 7 };
  const needle = { keyPos: 130, width: 8, queryFrom: 900, queryTo: 1000, strength: 4 };
  const planted = plantedAttention({ ...base, needles: [needle] });
  const shape: AttentionShapeJs = { heads: 4, kvHeads: 2, headDim: 64, seqQ: 1000, seqK: 1000 };
  const opts = { heads: 4, kvHeads: 2, headDim: 64, causal: true, blockSize: 64, device: 'cpu' };

  it('with tau = 1 equals dense within 1e-5 (and keeps every causal block)', () => {
    const dense = native.attention(planted.q, planted.k, planted.v, { ...opts, mode: 'dense' });
    const sparse = native.attention(planted.q, planted.k, planted.v, { ...opts, mode: 'unisparse', tau: 1 });
    assert.ok(maxAbsDiff(sparse.out, dense.out) < 1e-5);
    assert.strictEqual(sparse.density, 1);
    const reference = denseAttentionReference(planted.q, planted.k, planted.v, shape);
    assert.ok(maxAbsDiff(sparse.out, reference) < 1e-5, `vs float64: ${maxAbsDiff(sparse.out, reference)}`);
  });

  // The estimate alone (lastBlockCheck: false) first; the check is tested on its own below.
  for (const tau of [0.9, 0.95]) {
    it(`plan equals the float64 reference selection at tau ${tau}`, () => {
      const plan = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau, lastBlockCheck: false });
      const ref = uniSparsePlanReference(planted.q, planted.k, shape, { blockSize: 64, tau, granularities: [4, 16], lastBlockCheck: false });
      assertPlansAgree(plan, ref, tau);
      assert.ok(Math.abs(plan.density - ref.density) < 0.01);
      assert.ok(plan.density < 0.9, `density ${plan.density} should be sparse on planted structure`);
    });
  }

  it('plan equals the reference for other granularities, 128-token blocks, GQA 3:1 and a mid-block chunk', () => {
    const t = plantedAttention({ heads: 6, kvHeads: 2, headDim: 32, seq: 777, seed: 3,
      needles: [{ keyPos: 40, width: 6, queryFrom: 600, queryTo: 777, strength: 5 }] });
    const seqQ = 300;   // queries are positions 477..776: the first query block is partial
    const q = t.q.filter((_, i) => (Math.floor(i / 32) % 777) >= 777 - seqQ);
    const s: AttentionShapeJs = { heads: 6, kvHeads: 2, headDim: 32, seqQ, seqK: 777 };
    for (const [blockSize, granularities] of [[128, [8, 32]], [64, [2, 4, 16]]] as [number, number[]][]) {
      const plan = native.attentionPlan(q, t.k, { heads: 6, kvHeads: 2, headDim: 32, mode: 'unisparse', tau: 0.9, blockSize, granularities });
      const ref = uniSparsePlanReference(q, t.k, s, { blockSize, tau: 0.9, granularities });
      assertPlansAgree(plan, ref, 0.9);
    }
  });

  it('applies minBlocks and maxBlocks per row as the reference does, never dropping sink or diagonal', () => {
    for (const budget of [{ minBlocks: 6 }, { maxBlocks: 3 }, { minBlocks: 4, maxBlocks: 4 }]) {
      const plan = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9, ...budget });
      const ref = uniSparsePlanReference(planted.q, planted.k, shape, { blockSize: 64, tau: 0.9, granularities: [4, 16], ...budget });
      assertPlansAgree(plan, ref, 0.9);
      for (let r = 0; r < plan.nQueryBlocks; r++) {
        const row = planRow(plan, r);
        if (budget.maxBlocks) assert.ok(row.length <= Math.max(budget.maxBlocks, 2));
        if (budget.minBlocks) assert.ok(row.length >= Math.min(budget.minBlocks, r + 1));
        assert.ok(row.includes(0) && row.includes(r));
      }
    }
  });

  it('with the last-block check, equals the reference: columns in every row, a widened tau where the estimate misses', () => {
    // On this input the estimate's selection of the last block holds less than 0.9 of its exact mass (the planted
    // noise spreads it), so both kv heads are widened; the plan must still equal the float64 statement.
    const plan = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9 });
    const ref = uniSparsePlanReference(planted.q, planted.k, shape, { blockSize: 64, tau: 0.9, granularities: [4, 16] });
    assert.ok(ref.headTau.some((t) => t > 0.9), `expected a widened head: ${ref.headTau}`);
    assertPlansAgree(plan, ref, 0.9);
    for (let kh = 0; kh < 2; kh++)
      for (let r = 0; r < plan.nQueryBlocks; r++)
        for (const b of ref.columns[kh].filter((c) => c <= r))
          assert.ok(planRow(plan, kh * plan.nQueryBlocks + r).includes(b), `row ${r} of kv head ${kh} lacks column ${b}`);
    const estimateOnly = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9, lastBlockCheck: false });
    assert.ok(plan.density > estimateOnly.density && plan.density < 1, `${plan.density} vs ${estimateOnly.density}`);
  });

  it('leaves the plan of a kv head that passes the check as the estimate made it', () => {
    // checkRecall 0: every head passes, so the plan is the estimate's own; checkRecall 1: every head fails.
    const estimateOnly = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9, lastBlockCheck: false });
    const passed = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9, checkRecall: 0 });
    assert.deepStrictEqual(Array.from(passed.keyBlocks), Array.from(estimateOnly.keyBlocks));
    assert.deepStrictEqual(Array.from(passed.rowPtr), Array.from(estimateOnly.rowPtr));
    const failed = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9, checkRecall: 1 });
    const ref = uniSparsePlanReference(planted.q, planted.k, shape, { blockSize: 64, tau: 0.9, granularities: [4, 16], checkRecall: 1 });
    assert.deepStrictEqual(ref.headTau, [widenedTau(0.9), widenedTau(0.9)]);
    assertPlansAgree(failed, ref, 0.9);
  });

  it('keeps both blocks of a needle that straddles a block edge in every later row', () => {
    // Keys 186..193: 6 tokens in block 2, 2 in block 3. Mean pooling credits block 3 with almost nothing; the exact
    // scores of the last block see both fragments.
    const straddle = { keyPos: 186, width: 8, queryFrom: 700, queryTo: 1000, strength: 5 };
    const t = plantedAttention({ ...base, seed: 11, needles: [straddle] });
    const plan = native.attentionPlan(t.q, t.k, { ...opts, mode: 'unisparse', tau: 0.9 });
    const ref = uniSparsePlanReference(t.q, t.k, shape, { blockSize: 64, tau: 0.9, granularities: [4, 16] });
    assertPlansAgree(plan, ref, 0.9);
    for (let kh = 0; kh < 2; kh++)
      for (let r = Math.ceil(straddle.queryFrom / 64); r < plan.nQueryBlocks; r++) {
        const row = planRow(plan, kh * plan.nQueryBlocks + r);
        assert.ok(row.includes(2) && row.includes(3), `row ${r} of kv head ${kh} keeps ${row}`);
      }
    let worst = 1;
    for (let h = 0; h < 4; h++)
      for (const i of [720, 850, 999]) {
        const kh = Math.floor(h / 2);
        worst = Math.min(worst, recallOfRow(t.q, t.k, shape, h, i, planRow(plan, kh * plan.nQueryBlocks + Math.floor(i / 64)), 64));
      }
    assert.ok(worst >= 0.9, `worst row recall ${worst}`);
  });

  it('keeps the small fragment of a straddling needle that only mid-sequence rows read, with neighbour expansion', () => {
    // Keys 186..193 again, read by rows 500-700 only: the last-block check never sees it (and is off here, to test
    // expansion alone). Mean pooling credits block 3 (2 tokens) with almost nothing; a row that takes block 2
    // (6 tokens) with a share >= neighbourShare keeps block 3 too.
    const straddle = { keyPos: 186, width: 8, queryFrom: 500, queryTo: 700, strength: 5 };
    const t = plantedAttention({ ...base, seed: 11, needles: [straddle] });
    const plan = (neighbourShare: number, extra = {}) => native.attentionPlan(t.q, t.k,
      { ...opts, mode: 'unisparse', tau: 0.9, lastBlockCheck: false, neighbourShare, ...extra });
    const readingRows = (p: any) => {
      const rows: number[][] = [];
      for (let kh = 0; kh < 2; kh++)
        for (let r = Math.ceil(straddle.queryFrom / 64); (r + 1) * 64 <= straddle.queryTo; r++) rows.push(planRow(p, kh * p.nQueryBlocks + r));
      return rows.filter((row) => row.includes(2));
    };
    const off = plan(0), on = plan(0.05);
    assert.ok(readingRows(off).some((row) => !row.includes(3)), 'without expansion a row drops the 2-token fragment');
    assert.ok(readingRows(on).length >= 2);
    for (const row of readingRows(on)) assert.ok(row.includes(3), `row keeps ${row}`);
    const ref = uniSparsePlanReference(t.q, t.k, shape,
      { blockSize: 64, tau: 0.9, granularities: [4, 16], lastBlockCheck: false, neighbourShare: 0.05 });
    assertPlansAgree(on, ref, 0.9);
    assert.ok(on.keyBlocks.length > off.keyBlocks.length && on.keyBlocks.length < 1.5 * off.keyBlocks.length,
      `expansion adds a few blocks: ${off.keyBlocks.length} -> ${on.keyBlocks.length}`);
    // A hard row budget wins: the same plan with and without expansion.
    assert.deepStrictEqual(Array.from(plan(0.05, { maxBlocks: 4 }).keyBlocks), Array.from(plan(0, { maxBlocks: 4 }).keyBlocks));
  });

  it('keeps the copy source of a row that reads one distant key alone, given the tokens', () => {
    // Row 600 reads key 200 almost alone (an induction lookup): the block-mean estimate dilutes one key of 64 and drops
    // its block, and the last-block check never sees row 600. The tokens before key 200 repeat the ones ending at 600,
    // so block 3 is row 600's copy source and the plan keeps it outright.
    const copyNeedle = { keyPos: 200, width: 1, queryFrom: 600, queryTo: 601, strength: 14 };
    const t = plantedAttention({ ...base, seed: 5, local: 3.5, needles: [copyNeedle] });  // a sharp local window
    const tokens = Int32Array.from({ length: 1000 }, (_, i) => 1000 + i);  // no repeats...
    tokens.set(tokens.slice(598, 601), 197);                                // ...but 598..600 again at 197..199
    const row = 600 >> 6, copyBlock = 200 >> 6;
    const without = native.attentionPlan(t.q, t.k, { ...opts, mode: 'unisparse' });
    const withCopies = native.attentionPlan(t.q, t.k, { ...opts, mode: 'unisparse', tokens });
    const recall = (p: any, h: number) => recallOfRow(t.q, t.k, shape, h, 600, planRow(p, (h >> 1) * p.nQueryBlocks + row), 64);
    assert.ok(!planRow(without, row).includes(copyBlock), 'the estimate alone drops the copied key\'s block');
    assert.ok(recall(without, 0) < 0.1, `row 600 keeps ${recall(without, 0)} of its attention without the tokens`);
    for (let kh = 0; kh < 2; kh++) assert.ok(planRow(withCopies, kh * withCopies.nQueryBlocks + row).includes(copyBlock));
    for (const h of [0, 3]) assert.ok(recall(withCopies, h) > 0.95, `head ${h}: recall ${recall(withCopies, h)}`);
    // Only row 600's block gained a block: the copy source, in each kv head.
    assert.strictEqual(withCopies.keyBlocks.length, without.keyBlocks.length + 2);
    assert.deepStrictEqual(copySourceBlocksReference(tokens, 64).map((b) => [...b]).filter((b) => b.length).length, 1);
    assertPlansAgree(withCopies, uniSparsePlanReference(t.q, t.k, shape, { blockSize: 64, tau: DEFAULT_ATTENTION.tau, granularities: [4, 16], tokens }), DEFAULT_ATTENTION.tau);
  });

  it('plan with copy sources equals the reference on tokens that repeat often, and rejects a wrong token count', () => {
    let seed = 17;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const tokens = Int32Array.from({ length: 1000 }, () => Math.floor(rand() * 12));  // 12 ids: most trigrams repeat
    for (const [copyNgram, copyRecent] of [[3, 4], [2, 1], [1, 8]]) {
      const plan = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9, tokens, copyNgram, copyRecent });
      const ref = uniSparsePlanReference(planted.q, planted.k, shape, { blockSize: 64, tau: 0.9, granularities: [4, 16], tokens, copyNgram, copyRecent });
      assertPlansAgree(plan, ref, 0.9);
    }
    assert.throws(() => native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tokens: tokens.slice(1) }), /one id per key/);
    assert.throws(() => native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tokens, copyNgram: 4 }), /copyNgram must be 1, 2 or 3/);
  });

  it('gives bit-identical output with 1 thread and with all threads', () => {
    const one = native.attention(planted.q, planted.k, planted.v, { ...opts, mode: 'unisparse', tau: 0.9, threads: 1 });
    const all = native.attention(planted.q, planted.k, planted.v, { ...opts, mode: 'unisparse', tau: 0.9, threads: 0 });
    assert.strictEqual(maxAbsDiff(one.out, all.out), 0);
    assert.deepStrictEqual(Array.from(one.mask), Array.from(all.mask));
  });

  it('selects a needle block far back, and the sink and diagonal in every row', () => {
    const plan = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.9, lastBlockCheck: false });
    const needleBlock = Math.floor(needle.keyPos / 64);
    for (let kh = 0; kh < 2; kh++) {
      for (let r = 0; r < plan.nQueryBlocks; r++) {
        const row = planRow(plan, kh * plan.nQueryBlocks + r);
        assert.ok(row.includes(0) && row.includes(r), `row ${r} of kv head ${kh} lacks sink or diagonal: ${row}`);
        if (r * 64 >= needle.queryFrom) assert.ok(row.includes(needleBlock), `row ${r} misses the needle: ${row}`);
      }
    }
    // The needle is found because it matters, not because everything was kept.
    const lastRow = planRow(plan, plan.nQueryBlocks - 1);
    assert.ok(lastRow.length < plan.nQueryBlocks, `last row keeps ${lastRow.length} blocks`);
  });

  it('keeps >= 0.9 of the exact attention mass and stays close to dense at tau 0.95', () => {
    const sparse = native.attention(planted.q, planted.k, planted.v, { ...opts, mode: 'unisparse', tau: 0.95 });
    const dense = native.attention(planted.q, planted.k, planted.v, { ...opts, mode: 'dense' });
    const plan = native.attentionPlan(planted.q, planted.k, { ...opts, mode: 'unisparse', tau: 0.95 });
    let recall = 0;
    const rows = [130, 420, 777, 950, 999];
    for (const i of rows) recall += recallOfRow(planted.q, planted.k, shape, 1, i, planRow(plan, Math.floor(i / 64)), 64);
    assert.ok(recall / rows.length >= 0.9, `recall ${recall / rows.length}`);
    let num = 0, den = 0;
    for (let i = 0; i < dense.out.length; i++) { num += (sparse.out[i] - dense.out[i]) ** 2; den += dense.out[i] ** 2; }
    assert.ok(Math.sqrt(num / den) < 0.2, `relative error ${Math.sqrt(num / den)}`);
    assert.ok(sparse.density < 1 && sparse.density > 0);
    // The mask is per query head, from its kv head's plan: heads 0,1 share kv head 0.
    const n = Math.ceil(1000 / 64);
    assert.deepStrictEqual(Array.from(sparse.mask.slice(0, n * n)), Array.from(sparse.mask.slice(n * n, 2 * n * n)));
  });

  it('runs decode (one query row) dense in unisparse mode', () => {
    const q1 = planted.q.filter((_, i) => (Math.floor(i / 64) % 1000) === 999);
    const r = native.attention(q1, planted.k, planted.v, { ...opts, mode: 'unisparse', tau: 0.5 });
    const ref = denseAttentionReference(q1, planted.k, planted.v, { ...shape, seqQ: 1 });
    assert.ok(maxAbsDiff(r.out, ref) < 1e-5);
    assert.strictEqual(r.density, 1);
  });
});

describe('attentionAsync', () => {
  it('resolves to the same result as attention() off the event loop, and rejects bad input', async () => {
    const t = plantedAttention({ heads: 4, kvHeads: 2, headDim: 64, seq: 300, seed: 5 });
    const opts = { heads: 4, kvHeads: 2, headDim: 64, causal: true, mode: 'unisparse', tau: 0.9, blockSize: 64 };
    const sync = native.attention(t.q, t.k, t.v, opts);
    const pending = native.attentionAsync(t.q, t.k, t.v, opts);
    assert.ok(pending instanceof Promise);
    const result = await pending;
    assert.strictEqual(maxAbsDiff(result.out, sync.out), 0);
    assert.strictEqual(result.density, sync.density);
    assert.deepStrictEqual(Array.from(result.mask), Array.from(sync.mask));
    assert.throws(() => native.attentionAsync(t.q, t.k, t.v, { ...opts, heads: 3 }), /multiple of kvHeads/);
  });
});
