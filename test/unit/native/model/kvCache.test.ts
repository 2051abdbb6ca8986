// KV cache behaviour of the native runtime: batched prefill, token-by-token decode, chunked prefill,
// truncate (prefix reuse), reset and the logits row selection, all checked against the reference.
import * as assert from 'assert';
import { tinyConfig, randomTokens } from '../../../support/tinyLlama';
import { TempModelDir, WrittenModel } from '../../../support/tempModels';
import { referenceLogits } from '../../../support/llamaReference';
import { assertClose } from '../../../support/compare';
import { loadModelClass, NativeModel } from '../../../support/nativeModel';

describe('model runtime: KV cache, prefill and decode', () => {
  const tmp = new TempModelDir();
  const cfg = tinyConfig({ ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 } });
  const V = cfg.vocabSize;
  let written: WrittenModel;
  let model: NativeModel;
  const tokens = randomTokens(70, V, 42);
  let expected: Float64Array;

  before(() => {
    written = tmp.gguf(cfg, 21);
    expected = referenceLogits(cfg, written.reference, tokens);
    model = new (loadModelClass())(written.path, { threads: 1, maxContext: 256 });
  });
  after(() => { model?.dispose(); tmp.dispose(); });
  beforeEach(() => model.reset());

  const rows = (from: number, to: number) => expected.subarray(from * V, to * V);

  it('batched prefill of 70 tokens matches the reference and advances position', () => {
    assert.strictEqual(model.position, 0);
    assertClose(model.eval(tokens, { logits: 'all' }), expected, 1e-4, 'prefill', V);
    assert.strictEqual(model.position, tokens.length);
  });

  it('token-by-token decode gives the same logits as batched prefill', () => {
    const stepped = new Float32Array(tokens.length * V);
    tokens.forEach((t, i) => stepped.set(model.eval([t], { logits: 'last' }), i * V));
    assertClose(stepped, expected, 1e-4, 'decode one token at a time', V);
    assert.strictEqual(model.position, tokens.length);
  });

  it('prefill in uneven chunks (1, 16, 40, 13) matches one batch', () => {
    const out: Float32Array[] = [];
    let at = 0;
    for (const n of [1, 16, 40, 13]) { out.push(model.eval(tokens.slice(at, at + n), { logits: 'all' })); at += n; }
    const joined = new Float32Array(tokens.length * V);
    let off = 0;
    for (const o of out) { joined.set(o, off); off += o.length; }
    assertClose(joined, expected, 1e-4, 'chunked prefill', V);
  });

  it('truncate(n) then re-eval equals a fresh eval (prefix reuse)', () => {
    const other = randomTokens(30, V, 7);
    model.eval(tokens.slice(0, 50).concat(other), { logits: 'none' });
    model.truncate(50);
    assert.strictEqual(model.position, 50);
    assertClose(model.eval(tokens.slice(50), { logits: 'all' }), rows(50, 70), 1e-4, 'after truncate(50)', V);
    assert.strictEqual(model.position, 70);
  });

  it('reset() forgets the cache: the next eval starts at position 0', () => {
    model.eval(randomTokens(20, V, 3), { logits: 'none' });
    model.reset();
    assert.strictEqual(model.position, 0);
    assertClose(model.eval(tokens.slice(0, 10), { logits: 'all' }), rows(0, 10), 1e-4, 'after reset', V);
  });

  it("logits: 'last' is the last row, number[] selects rows of this chunk, 'none' returns no rows", () => {
    assertClose(model.eval(tokens.slice(0, 20), { logits: 'last' }), rows(19, 20), 1e-4, "'last'", V);
    const picked = model.eval(tokens.slice(20, 40), { logits: [0, 5, 19] });
    assert.strictEqual(picked.length, 3 * V);
    const want = new Float64Array(3 * V);
    [20, 25, 39].forEach((p, i) => want.set(rows(p, p + 1), i * V));
    assertClose(picked, want, 1e-4, 'selected rows', V);
    assert.strictEqual(model.eval(tokens.slice(40, 45), { logits: 'none' }).length, 0);
    assert.strictEqual(model.position, 45);
  });

  it('evalAsync gives the same logits as eval', async () => {
    const pending = model.evalAsync(Int32Array.from(tokens), { logits: 'all' });
    assert.ok(pending instanceof Promise);
    assertClose(await pending, expected, 1e-4, 'evalAsync', V);
    assert.strictEqual(model.position, tokens.length);
  });

  it('two threads give the same logits as one', () => {
    const two = new (loadModelClass())(written.path, { threads: 2, maxContext: 256 });
    try {
      assertClose(two.eval(tokens, { logits: 'all' }), model.eval(tokens, { logits: 'all' }), 1e-5, 'threads 2 vs 1', V);
    } finally {
      two.dispose();
    }
  });

  it('an eval past maxContext throws an Error naming the limit, and the model keeps working', () => {
    const small = new (loadModelClass())(written.path, { threads: 1, maxContext: 32 });
    try {
      small.eval(tokens.slice(0, 30), { logits: 'none' });
      assert.throws(() => small.eval(tokens.slice(30, 40)), (e: Error) => e instanceof Error && /32|context/i.test(e.message));
      assert.strictEqual(small.position, 30);
      assertClose(small.eval(tokens.slice(30, 32), { logits: 'all' }), rows(30, 32), 1e-4, 'after a rejected eval', V);
    } finally {
      small.dispose();
    }
  });

  it('rejects token ids outside the vocabulary with an Error naming the id, and keeps working', () => {
    assert.throws(() => model.eval([1, V + 5]), (e: Error) => e instanceof Error && e.message.includes(String(V + 5)));
    assert.throws(() => model.eval([-1]), (e: Error) => e instanceof Error && /-1|token/i.test(e.message));
    model.reset();
    assertClose(model.eval(tokens.slice(0, 5), { logits: 'all' }), rows(0, 5), 1e-4, 'after a rejected eval', V);
  });

  it('never extends the cache with truncate(n > position): it throws or keeps the position', () => {
    model.eval(tokens.slice(0, 10), { logits: 'none' });
    try { model.truncate(20); } catch (e) { assert.ok(e instanceof Error); }
    assert.strictEqual(model.position, 10);
    assertClose(model.eval(tokens.slice(10, 12), { logits: 'all' }), rows(10, 12), 1e-4, 'after truncate(20) at 10', V);
  });
});
