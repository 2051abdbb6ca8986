import * as assert from 'assert';
import { loadTokenizer } from '../../../server/tokenizer/tokenizer';
import { chatStops, chatTurnMarkers } from '../../../server/tokenizer/chatStops';
import { CHATML_TEMPLATE } from '../../../server/tokenizer/chatTemplate';
import { useTinyVocabGguf } from './tinyVocab';

const LLAMA3_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

describe('chat turn markers', () => {
  const vocab = useTinyVocabGguf();

  it('ChatML ends a turn with <|im_end|> and opens the next with <|im_start|>', () => {
    assert.deepStrictEqual(chatTurnMarkers(CHATML_TEMPLATE), ['<|im_end|>', '<|im_start|>']);
  });

  it('Llama 3 ends a turn with <|eot_id|> and opens one with <|start_header_id|>', () => {
    assert.deepStrictEqual(chatTurnMarkers(LLAMA3_TEMPLATE, '<|begin_of_text|>'), ['<|eot_id|>', '<|start_header_id|>']);
  });

  it('maps markers that are single special tokens to their ids', async () => {
    const tok = await loadTokenizer(vocab.file);
    const stops = chatStops(tok);
    assert.deepStrictEqual(stops.stopStrings, ['<|im_end|>', '<|im_start|>']);
    assert.deepStrictEqual(stops.stopTokens, [2, 1]);
  });
});
