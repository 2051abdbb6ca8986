// A greedy chat answer from the real model, through the engine process the CLI and server use.
import * as assert from 'assert';
import { loadTokenizer } from '../../server/tokenizer/tokenizer';
import { renderChat } from '../../server/tokenizer/chatTemplate';
import { EngineHost } from '../../server/engine/host/engineHost';
import { smolLm2Path } from './modelFile';

describe('SmolLM2 chat through the engine process', function () {
  this.timeout(300000);
  const host = new EngineHost();
  after(() => host.dispose());

  it('answers a factual question with the expected word, streaming the same text it returns', async () => {
    const modelPath = smolLm2Path();
    const tok = await loadTokenizer(modelPath);
    // Both llama.cpp and our runtime answer this phrasing with "The capital city of France is Paris." greedily.
    const prompt = renderChat(tok.chatTemplate, [{ role: 'user', content: 'What is the capital city of France? Answer in one sentence.' }]);
    await host.load({ modelPath, attention: 'dense' });
    let streamed = '';
    const r = await host.generate({ prompt: tok.encode(prompt), maxNewTokens: 24, sampler: { temperature: 0 } }, { onToken: (t) => { streamed += t; } });
    assert.match(r.text, /Paris/);
    assert.strictEqual(streamed, r.text);
    assert.strictEqual(r.stopReason, 'eos');
    assert.ok(r.decodeTokens > 0 && r.ttftMs > 0);
  });
});
