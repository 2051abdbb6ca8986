// Answers while indexing: an index that is still being built answers from the files done so far, says how many,
// and parses the files a question is about (by name, or by the code names in their text) before the rest.
import * as assert from 'assert';
import * as path from 'path';
import { RepoIndex } from '../../../server/index/repoIndex';
import { buildContext } from '../../../server/context/buildContext';
import { makeRepo, removeRepo } from './indexTestSupport';

/** 200 filler modules in listing order before the two files the questions are about (both listed last). */
function bigRepo(): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < 200; i++) {
    const n = String(i).padStart(3, '0');
    files[`a/mod${n}.js`] = Array.from({ length: 20 }, (_, k) => `function helper${n}_${k}(x) {\n  return x + ${k};\n}\n`).join('');
  }
  files['zz/late/checkoutTotals.ts'] = 'export function computeCheckoutTotal(items: number[]): number {\n  return items.reduce((a, b) => a + b, 0);\n}\n';
  files['zz/late/shipping.ts'] = '// Rates for parcels.\nexport function parcelRate(weight: number): number {\n  return weight * 3 + applyFuelSurcharge(weight);\n}\n';
  return makeRepo(files);
}

describe('index: answers while indexing', () => {
  let root: string;
  let index: RepoIndex | undefined;
  const order: string[] = [];
  beforeEach(() => { root = bigRepo(); order.length = 0; });
  afterEach(() => { index?.dispose(); removeRepo(root); });

  const start = () => RepoIndex.start(root, { cacheDir: null, workers: 1, onProgress: (_d, _t, file) => { if (file) order.push(file); } });

  it('a file the question names is parsed before the files listed ahead of it, and the context finds it', async () => {
    index = start();
    const moved = await index.prepareForQuestion('How does checkoutTotals compute the total?', {}, { waitMs: 60_000 });
    assert.ok(moved.includes('zz/late/checkoutTotals.ts'), moved.join(', '));
    assert.deepStrictEqual(index.definitionsIn('zz/late/checkoutTotals.ts').map((d) => d.name), ['computeCheckoutTotal']);
    const rank = order.indexOf('zz/late/checkoutTotals.ts');
    assert.ok(rank >= 0 && rank < 100, `parsed as file ${rank} of 202`);
    const ctx = buildContext(index, { question: 'How does computeCheckoutTotal work?', budgetTokens: 400, countTokens: (t) => Math.ceil(t.length / 4) });
    assert.strictEqual(ctx.chunks[0]?.file, 'zz/late/checkoutTotals.ts');
    const c = index.coverage();
    assert.strictEqual(c.totalFiles, 202);
    assert.ok(c.indexedFiles >= 1 && c.doneFiles <= 202);
    await index.whenComplete();
    assert.deepStrictEqual(index.coverage(), { ...index.coverage(), indexedFiles: 202, windowOnlyFiles: 0, doneFiles: 202, complete: true });
  });

  it('a file whose text holds a code name of the question is moved forward by the lexical pass', async () => {
    index = start();
    const moved = await index.prepareForQuestion('Where is applyFuelSurcharge used?', {}, { waitMs: 60_000 });
    assert.ok(moved.includes('zz/late/shipping.ts'), moved.join(', '));
    assert.ok(order.indexOf('zz/late/shipping.ts') < 100, `parsed as file ${order.indexOf("zz/late/shipping.ts")} of 202`);
    assert.ok(index.graph.referencesOf('zz/late/shipping.ts').applyFuelSurcharge === 1);
  });

  it('a file the question needs whose parse has not landed is answered from its text, then replaced by its parse', async () => {
    index = start();
    const moved = await index.prepareForQuestion('How does checkoutTotals compute the total?', {}, { waitMs: 0 });
    assert.ok(moved.includes('zz/late/checkoutTotals.ts'));
    const windowsOnly = index.windowOnlyFiles().includes('zz/late/checkoutTotals.ts');
    assert.ok(windowsOnly || index.definitionsIn('zz/late/checkoutTotals.ts').length === 1, 'in the index one way or the other');
    assert.strictEqual(index.coverage().windowOnlyFiles, index.windowOnlyFiles().length);
    const ctx = buildContext(index, { question: 'How does computeCheckoutTotal work?', budgetTokens: 400, countTokens: (t) => Math.ceil(t.length / 4) });
    assert.strictEqual(ctx.chunks[0]?.file, 'zz/late/checkoutTotals.ts');
    assert.strictEqual(ctx.chunks[0]?.startLine, 1);
    await index.whenComplete();
    assert.deepStrictEqual(index.windowOnlyFiles(), []);
    assert.deepStrictEqual(index.definitionsIn('zz/late/checkoutTotals.ts').map((d) => d.name), ['computeCheckoutTotal']);
    assert.strictEqual(index.stats().languages.text, undefined, 'no file stays as text');
  });

  it('a complete index prepares nothing; build() still waits for every file', async () => {
    index = await RepoIndex.build(root, { cacheDir: null, workers: 1 });
    assert.ok(index.isComplete);
    assert.deepStrictEqual(await index.prepareForQuestion('How does checkoutTotals compute the total?'), []);
    assert.strictEqual(index.stats().files, 202);
    assert.strictEqual(path.basename(index.root), path.basename(root));
  });
});
