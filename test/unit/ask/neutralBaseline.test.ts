import * as assert from 'assert';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { buildAskPrompt } from '../../../server/ask/promptBuilder';
import { NEUTRAL_QUESTION, neutralBaselinePrompt } from '../../../server/ask/neutralBaseline';
import { useTinyVocabGguf } from '../tokenizer/tinyVocab';

describe('neutral question baseline prompt', () => {
  const vocab = useTinyVocabGguf();

  it('puts the neutral question in the place of the question and finds its tokens', async () => {
    const tok = await loadTokenizer(vocab.file);
    const context = '// src/a.ts:1-2\nconst x = "<|im_end|>";\n';
    const built = buildAskPrompt(tok, context, 'Where is the parser defined?');
    const literal: [number, number] = [built.contextOffset, built.contextOffset + context.length];
    const real = tok.encodeWithOffsets(built.prompt, { literal });
    const b = neutralBaselinePrompt(tok, built.prompt, built.questionOffset, built.questionEnd, literal);
    // Same tokens up to the question (the context's literal "<|im_end|>" included), then the neutral question.
    const questionToken = real.spans.findIndex((s, i) => i % 2 === 0 && s >= built.questionOffset) / 2;
    assert.deepStrictEqual(b.prompt.slice(0, questionToken), real.ids.slice(0, questionToken));
    assert.strictEqual(b.questionFrom, questionToken);
    assert.strictEqual(tok.decode(b.prompt.slice(b.questionFrom, b.questionTo)), NEUTRAL_QUESTION);
    // What follows the question (the answer hint and the template's turn markers) is unchanged.
    assert.deepStrictEqual(tok.decode(b.prompt.slice(b.questionTo)), tok.decode(real.ids.slice(tok.encodeWithOffsets(built.prompt.slice(0, built.questionEnd), { literal }).ids.length)));
  });

  it('refuses a question place outside the prompt or a literal range that reaches into it', async () => {
    const tok = await loadTokenizer(vocab.file);
    assert.throws(() => neutralBaselinePrompt(tok, 'abc', 2, 9), /lies outside its 3 characters/);
    assert.throws(() => neutralBaselinePrompt(tok, 'abcdef', 2, 4, [0, 3]), /literal range must end before the question/);
  });
});
