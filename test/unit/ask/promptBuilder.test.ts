import * as assert from 'assert';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { buildAskPrompt, promptOverheadTokens, questionText, SYSTEM_PROMPT, SHORT_ANSWER_HINT } from '../../../server/ask/promptBuilder';
import { EngineHost } from '../../../server/engine/host/engineHost';
import { useTinyVocabGguf } from '../tokenizer/tinyVocab';

describe('ask prompt', () => {
  const vocab = useTinyVocabGguf();

  it("renders the model's template with the context first and the question last", async () => {
    const tok = await loadTokenizer(vocab.file);
    const context = '// src/a.ts:1-3\nexport const a = 1;\n';
    const { prompt, contextOffset } = buildAskPrompt(tok, context, 'What is a?');
    assert.ok(prompt.startsWith('<|im_start|>system\n' + SYSTEM_PROMPT));
    assert.strictEqual(prompt.slice(contextOffset, contextOffset + context.length), context);
    assert.ok(prompt.endsWith(`Question: What is a?\n${SHORT_ANSWER_HINT}<|im_end|>\n<|im_start|>assistant\n`));
    assert.ok(promptOverheadTokens(tok, 'What is a?') > 10);
  });

  it('phrases explain and analyze requests', () => {
    assert.match(questionText('explain', ''), /^Explain what the selected code does/);
    assert.match(questionText('analyze', 'Focus on errors.'), /risky code.*Focus on errors\.$/);
    assert.strictEqual(questionText('ask', 'Why?'), `Why?\n${SHORT_ANSWER_HINT}`);
  });

  it('an engine without a configured model says what to set', async () => {
    const host = new EngineHost();
    await assert.rejects(host.generate({ prompt: [1], maxNewTokens: 1 }), /No model is configured.*unisparse\.model.*fetch-model/);
    assert.strictEqual(host.state, 'stopped');
  });
});
