// Packing golden tests on the shop fixture: which chunks are chosen for a question, in which order, with which
// headers, what becomes an outline and what is reported as omitted. Golden files in ./golden were read by hand.
import * as assert from 'assert';
import * as path from 'path';
import { buildContext, type ContextRequest, type PackedContext } from '../../../server/context/buildContext';
import { RepoIndex } from '../../../server/index/repoIndex';
import { FIXTURES, makeRepo, removeRepo } from '../index/indexTestSupport';
import { countTokens, expectGolden } from './contextTestSupport';

function summary(ctx: PackedContext): string {
  return JSON.stringify({ tokens: ctx.tokens, omitted: ctx.omitted, chunks: ctx.chunks }, null, 1) + '\n';
}

describe('context: packing', () => {
  let index: RepoIndex;
  before(async () => { index = await RepoIndex.build(path.join(FIXTURES, 'shop'), { cacheDir: null }); });
  after(() => index?.dispose());

  const pack = (req: Omit<ContextRequest, 'countTokens'>) => buildContext(index, { ...req, countTokens });

  it('a question about Cart.total packs the class, the discount it applies and the pricing it calls', () => {
    const ctx = pack({ question: 'How does Cart compute the total with discounts?', budgetTokens: 600 });
    expectGolden('cart-total.txt', ctx.text);
    expectGolden('cart-total.json', summary(ctx));
    const files = [...new Set(ctx.chunks.map((c) => c.file))];
    assert.deepStrictEqual(files.slice(0, 3), ['src/cart.ts', 'src/discounts.ts', 'src/pricing.ts']);
    assert.ok(ctx.tokens <= 600);
    assert.strictEqual(ctx.tokens, countTokens(ctx.text));
  });

  it('a tight budget turns what does not fit into outlines and reports the rest as omitted', () => {
    const ctx = pack({ question: 'How does Cart compute the total with discounts?', budgetTokens: 250 });
    expectGolden('cart-total-tight.txt', ctx.text);
    expectGolden('cart-total-tight.json', summary(ctx));
    assert.ok(ctx.tokens <= 250);
    assert.ok(ctx.chunks.some((c) => c.kind === 'outline'));
    assert.ok(ctx.omitted.chunks > 0 && ctx.omitted.files.length > 0);
  });

  it('the selection (widened to its function) leads, then what it uses', () => {
    const ctx = pack({ question: 'What does this print?', activeFile: 'src/report.ts', selection: { startLine: 4, endLine: 4 }, budgetTokens: 400 });
    expectGolden('selection.txt', ctx.text);
    expectGolden('selection.json', summary(ctx));
    // Its file comes first; inside a file chunks keep source order.
    assert.strictEqual(ctx.chunks[0].file, 'src/report.ts');
    const selection = ctx.chunks.filter((c) => c.kind === 'selection');
    assert.deepStrictEqual(selection.map((c) => [c.file, c.startLine, c.endLine]), [['src/report.ts', 3, 5]]);
    assert.ok(ctx.chunks.some((c) => c.file === 'src/cart.ts'), 'the Cart it calls follows');
  });

  it('every chunk header names its file and lines, and chunk offsets cut the text at its headers', () => {
    const ctx = pack({ question: 'inventory restock available', budgetTokens: 400 });
    for (const c of ctx.chunks) {
      const slice = ctx.text.slice(c.charStart, c.charEnd);
      const headerLine = slice.split('\n')[0];
      assert.strictEqual(headerLine, `// ${c.file}:${c.startLine}-${c.endLine}${c.kind === 'outline' ? ' (outline)' : ''}`);
      if (c.kind !== 'outline') {
        const source = index.fileText(c.file)!.split('\n').slice(c.startLine - 1, c.endLine).join('\n');
        assert.strictEqual(slice.slice(headerLine.length + 1), source);
      }
    }
    assert.strictEqual(ctx.chunks[0].file, 'src/inventory.ts');
  });

  it('is deterministic, never exceeds the budget, and packs nothing into a zero budget', () => {
    const req = { question: 'receipt total tax', budgetTokens: 300 };
    assert.deepStrictEqual(pack(req), pack(req));
    for (const budget of [0, 10, 50, 120, 333, 1000]) {
      const ctx = pack({ question: 'How is tax applied to a product price?', budgetTokens: budget });
      assert.ok(ctx.tokens <= budget, `budget ${budget}: packed ${ctx.tokens}`);
    }
    const empty = pack({ question: 'anything', budgetTokens: 0 });
    assert.strictEqual(empty.text, '');
    assert.ok(empty.omitted.chunks > 0, 'a zero budget still reports what was left out');
  });

  it('the question text is not part of the packed context', () => {
    const question = 'Explain isValidCode please';
    const ctx = pack({ question, budgetTokens: 400 });
    assert.ok(!ctx.text.includes(question));
    assert.strictEqual(ctx.chunks[0].file, 'src/discounts.ts');
  });

  it('a class too big to fit still gets an outline, led by its class line, when one of its members was packed', async () => {
    const methods = Array.from({ length: 3 }, (_, i) =>
      [`    def step_${i}(self, value):`, `        """Step ${i} scales the value and returns it."""`,
        ...Array.from({ length: 8 }, (_, k) => `        value = value * ${i} + ${k}`), `        return value`, ''].join('\n'));
    const root = makeRepo({ 'models.py': ['class Session:', '    timeout = 30', '', ...methods].join('\n') + '\n' });
    const repo = await RepoIndex.build(root, { cacheDir: null });
    try {
      const ctx = buildContext(repo, { question: 'What is the Session timeout?', budgetTokens: 200, countTokens });
      const kinds = ctx.chunks.map((c) => `${c.kind} ${c.startLine}-${c.endLine}`);
      assert.ok(kinds.includes('definition 2-2'), kinds.join(', '));   // the attribute itself
      const outline = ctx.chunks.find((c) => c.kind === 'outline');
      assert.ok(outline, `no outline of the class: ${kinds.join(', ')}`);
      const text = ctx.text.slice(outline.charStart, outline.charEnd);
      // The class line leads it (its member's packed lines do not repeat it); the packed attribute is not repeated.
      assert.ok(text.includes('1: class Session:') && text.includes('def step_0(self, value):') && !text.includes('timeout = 30'), text);
    } finally {
      repo.dispose();
      removeRepo(root);
    }
  });
});
