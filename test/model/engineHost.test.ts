// The engine child process with the real model: prompt cancellation, restart after a crash, prefix reuse,
// and clear errors for a missing or corrupt model file.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTokenizer, TextTokenizer } from '../../server/tokenizer/tokenizer';
import { renderChat } from '../../server/tokenizer/chatTemplate';
import { EngineHost } from '../../server/engine/host/engineHost';
import { smolLm2Path } from './modelFile';
import { firstTokenAtOrAfter } from '../../server/ask/selectedBlocks';
import { neutralBaselinePrompt } from '../../server/ask/neutralBaseline';

describe('EngineHost with SmolLM2', function () {
  this.timeout(600000);
  let tok: TextTokenizer;
  let modelPath = '';
  const host = new EngineHost();
  const longPrompt = () => {
    const code = fs.readFileSync(path.join(__dirname, '..', '..', 'server', 'engine', 'child', 'sampler.ts'), 'utf8');
    return tok.encode(renderChat(tok.chatTemplate, [{ role: 'user', content: `${code}\n\nExplain this code in detail.` }]));
  };

  before(async () => {
    modelPath = smolLm2Path();
    tok = await loadTokenizer(modelPath);
    await host.load({ modelPath, attention: 'dense' });
  });
  after(() => host.dispose());

  it('stops decoding promptly when cancelled', async () => {
    const controller = new AbortController();
    let tokens = 0;
    let cancelledAt = 0;
    const r = await host.generate({ prompt: tok.encode('Once upon a time'), maxNewTokens: 4000, sampler: { temperature: 0.8, seed: 1 } }, {
      signal: controller.signal,
      onToken: () => { if (++tokens === 3) { cancelledAt = Date.now(); controller.abort(); } },
    });
    const latency = Date.now() - cancelledAt;
    assert.strictEqual(r.stopReason, 'cancelled');
    assert.ok(r.decodeTokens < 10, `generated ${r.decodeTokens} tokens after the cancel`);
    console.log(`      cancel during decode: stopped ${latency} ms after the request, ${r.decodeTokens} tokens`);
    assert.ok(latency < 3000, `took ${latency} ms to stop`);
    assert.strictEqual(host.state, 'ready');
  });

  it('stops a long prefill between chunks when cancelled', async () => {
    const prompt = longPrompt();
    assert.ok(prompt.length > 600, `prompt has ${prompt.length} tokens`);
    let cancelledAt = 0;
    const r = await host.generate({ prompt, maxNewTokens: 50, prefillChunk: 128, reusePrefix: false }, {
      onPrefillProgress: (done) => { if (done > 0 && !cancelledAt) { cancelledAt = Date.now(); host.cancel(); } },
    });
    const latency = Date.now() - cancelledAt;
    console.log(`      cancel during prefill: stopped ${latency} ms after the request (${prompt.length}-token prompt, 128-token chunks)`);
    assert.strictEqual(r.stopReason, 'cancelled');
    assert.strictEqual(r.decodeTokens, 0);
    assert.ok(latency < 5000, `took ${latency} ms to stop`);
  });

  it('reuses the KV cache of a shared prefix and gives the same greedy answer', async () => {
    const prompt = longPrompt();
    const fresh = await host.generate({ prompt, maxNewTokens: 8, reusePrefix: false });
    const again = await host.generate({ prompt, maxNewTokens: 8 });
    assert.strictEqual(fresh.reusedTokens, 0);
    assert.strictEqual(again.reusedTokens, prompt.length - 1);
    assert.deepStrictEqual(again.tokens, fresh.tokens);
    assert.ok(again.prefillMs < fresh.prefillMs, `reused prefill ${again.prefillMs} ms vs fresh ${fresh.prefillMs} ms`);
    console.log(`      prefix reuse: prefill ${fresh.prefillMs} ms fresh -> ${again.prefillMs} ms reused (${prompt.length} tokens)`);
  });

  /** A chat prompt about 40 lines of this repository's sampler, and where its question's tokens are. */
  function questionPrompt() {
    const code = fs.readFileSync(path.join(__dirname, '..', '..', 'server', 'engine', 'child', 'sampler.ts'), 'utf8').split('\n').slice(0, 40).join('\n');
    const question = 'Which function applies the repetition penalty?';
    const text = renderChat(tok.chatTemplate, [{ role: 'user', content: `${code}\n\nQuestion: ${question}` }], { addGenerationPrompt: true });
    const at = text.lastIndexOf(question);
    const { ids, spans } = tok.encodeWithOffsets(text);
    return { text, at, end: at + question.length, ids, questionFrom: firstTokenAtOrAfter(spans, at), questionTo: firstTokenAtOrAfter(spans, at + question.length) };
  }

  it('measures a neutral question at the same place and still answers from the prompt itself', async () => {
    const { text, at, end, ids, questionFrom, questionTo } = questionPrompt();
    const baseline = neutralBaselinePrompt(tok, text, at, end);
    assert.ok(ids.length > 3 * 64, `prompt has ${ids.length} tokens`);
    const plain = await host.generate({ prompt: ids, maxNewTokens: 6, reusePrefix: false, questionFrom, questionTo });
    const measured = await host.generate({ prompt: ids, maxNewTokens: 6, reusePrefix: false, questionFrom, questionTo, baseline });
    // The answer and the question's own attention are those of the prompt alone.
    assert.deepStrictEqual(measured.tokens, plain.tokens);
    assert.deepStrictEqual(Array.from(measured.attention!.questionBlockMass!), Array.from(plain.attention!.questionBlockMass!));
    assert.strictEqual(plain.attention!.baselineBlockMass, undefined);
    // The baseline is what the neutral prompt's question rows give when it is asked on its own.
    const neutral = await host.generate({ prompt: baseline.prompt, maxNewTokens: 0, reusePrefix: false, questionFrom: baseline.questionFrom, questionTo: baseline.questionTo });
    const got = Array.from(measured.attention!.baselineBlockMass!);
    const want = Array.from(neutral.attention!.questionBlockMass!);
    assert.strictEqual(got.length, want.length);
    got.forEach((g, b) => assert.ok(Math.abs(g - want[b]) <= 1e-3 * Math.max(1, want[b]), `block ${b}: ${g} vs ${want[b]}`));
    assert.ok(got.some((g, b) => Math.abs(g - plain.attention!.questionBlockMass![b]) > 1e-3), 'the two questions read the blocks differently');
    // Layer by layer too (SmolLM2: 30 layers), as the neutral prompt gives them on its own; the layers sum to the total.
    const perLayer = Array.from(measured.attention!.baselineLayerMass!);
    assert.strictEqual(perLayer.length, 30 * want.length);
    const wantLayers = Array.from(neutral.attention!.questionLayerMass!);
    perLayer.forEach((g, i) => assert.ok(Math.abs(g - wantLayers[i]) <= 1e-3 * Math.max(1, wantLayers[i]), `entry ${i}: ${g} vs ${wantLayers[i]}`));
    got.forEach((g, b) => {
      let sum = 0;
      for (let l = 0; l < 30; l++) sum += perLayer[l * got.length + b];
      assert.ok(Math.abs(sum - g) <= 1e-4 * Math.max(1, g), `block ${b}: layers sum to ${sum}, total ${g}`);
    });
  });

  it("measures the answer's own attention once it is complete, and keeps the answer in the cache", async () => {
    const { ids, questionFrom, questionTo } = questionPrompt();
    const plain = await host.generate({ prompt: ids, maxNewTokens: 12, reusePrefix: false, questionFrom, questionTo });
    const measured = await host.generate({ prompt: ids, maxNewTokens: 12, reusePrefix: false, questionFrom, questionTo, measureAnswer: true });
    assert.strictEqual(plain.attention!.answerBlockMass, undefined);
    // Measuring after the answer changes neither the answer nor what the question read.
    assert.deepStrictEqual(measured.tokens, plain.tokens);
    assert.ok(measured.tokens.length > 0, 'the model answered');
    assert.deepStrictEqual(Array.from(measured.attention!.questionBlockMass!), Array.from(plain.attention!.questionBlockMass!));
    // It is what the answer's rows give when prompt and answer are evaluated together from an empty cache.
    const whole = ids.concat(measured.tokens);
    const direct = await host.generate({ prompt: whole, maxNewTokens: 0, reusePrefix: false, questionFrom: ids.length, questionTo: whole.length });
    const got = Array.from(measured.attention!.answerBlockMass!);
    const want = Array.from(direct.attention!.questionBlockMass!);
    assert.strictEqual(got.length, want.length);
    assert.ok(got.length >= Math.ceil(ids.length / 64), `${got.length} blocks for ${ids.length} prompt tokens`);
    got.forEach((g, b) => assert.ok(Math.abs(g - want[b]) <= 1e-3 * Math.max(1, want[b]), `block ${b}: ${g} vs ${want[b]}`));
    assert.ok(got.some((g, b) => b < plain.attention!.questionBlockMass!.length && Math.abs(g - plain.attention!.questionBlockMass![b]) > 1e-3), 'the answer read the blocks differently from the question');
    // The cache holds prompt and answer: asking again on top of both reuses all of them.
    const followUp = await host.generate({ prompt: whole.concat(ids.slice(-4)), maxNewTokens: 1 });
    assert.strictEqual(followUp.reusedTokens, whole.length);
  });

  it('restarts the engine after the child process is killed', async () => {
    const pid = host.pid!;
    const pending = host.generate({ prompt: longPrompt(), maxNewTokens: 200, reusePrefix: false });
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGKILL');
    await assert.rejects(pending, /engine process was killed by SIGKILL.*restarts on the next request/);
    assert.strictEqual(host.state, 'crashed');
    const r = await host.generate({ prompt: tok.encode('The capital of France is'), maxNewTokens: 4 });
    assert.notStrictEqual(host.pid, pid);
    assert.ok(r.decodeTokens > 0);
    assert.strictEqual(host.state, 'ready');
  });

  it('explains a missing or corrupt model file and stays usable', async () => {
    const other = new EngineHost();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-bad-'));
    try {
      await assert.rejects(other.load({ modelPath: path.join(dir, 'missing.gguf') }), /missing\.gguf: the model file does not exist.*fetch-model/);
      const bad = path.join(dir, 'bad.gguf');
      fs.writeFileSync(bad, 'this is not a model');
      await assert.rejects(other.load({ modelPath: bad }), (e: Error) => e.message.includes('bad.gguf'));
      // The same host then loads a good model.
      await other.load({ modelPath, attention: 'dense' });
      const r = await other.generate({ prompt: tok.encode('Hello'), maxNewTokens: 2 });
      assert.strictEqual(r.decodeTokens, 2);
    } finally {
      other.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EngineHost prefix reuse across attention settings', function () {
  this.timeout(300000);
  it('does not reuse a KV cache computed with other attention settings', async () => {
    const host = new EngineHost();
    try {
      const modelPath = smolLm2Path();
      const tok = await loadTokenizer(modelPath);
      const prompt = tok.encode('The quick brown fox jumps over the lazy dog. '.repeat(20));
      await host.load({ modelPath, attention: 'dense' });
      await host.generate({ prompt, maxNewTokens: 1, attention: { mode: 'dense' } });
      const sameMode = await host.generate({ prompt, maxNewTokens: 1, attention: { mode: 'dense' } });
      const otherMode = await host.generate({ prompt, maxNewTokens: 1, attention: { mode: 'unisparse', tau: 0.9, blockSize: 64 } });
      assert.strictEqual(sameMode.reusedTokens, prompt.length - 1);
      assert.strictEqual(otherMode.reusedTokens, 0);
    } finally {
      host.dispose();
    }
  });
});
