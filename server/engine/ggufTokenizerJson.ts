/**
 * Turns the vocabulary stored in a GGUF (tokenizer.ggml.*) into the tokenizer.json object that
 * @huggingface/tokenizers understands, so one tokenizer implementation serves both model formats.
 */
import { GgufValue } from './ggufMetadata';
import { preTokenizerFor, SUPPORTED_PRE_TYPES } from './preTokenizers';

/** llama.cpp's token types: 3 = control (special), 4 = user-defined (added, matched in text). */
const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_USER_DEFINED = 4;

export interface GgufTokenizerSpec {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  chatTemplate?: string;
  bos?: number;
  eos: number[];
  addBos: boolean;
}

function asStringArray(v: GgufValue | undefined): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

function asNumber(v: GgufValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Names of end-of-turn tokens used by chat templates; generation stops on any that the vocabulary marks as control. */
const END_OF_TURN_NAMES = ['<|im_end|>', '<|eot_id|>', '<|end_of_text|>', '<|endoftext|>', '<|end|>', '<｜end▁of▁sentence｜>', '<|EOT|>'];

export function tokenizerSpecFromGguf(file: string, md: Map<string, GgufValue>): GgufTokenizerSpec {
  const model = md.get('tokenizer.ggml.model');
  const tokens = asStringArray(md.get('tokenizer.ggml.tokens'));
  if (!tokens) throw new Error(`${file}: the GGUF has no tokenizer.ggml.tokens, so it cannot be used for text. Use a GGUF with a vocabulary, or pass token ids (eval-logits).`);
  if (model !== 'gpt2') {
    throw new Error(`${file}: tokenizer.ggml.model is '${String(model)}'; only byte-level BPE ('gpt2', used by SmolLM2, Llama 3, Qwen2.5-Coder and DeepSeek-Coder) is supported. Use the model's Hugging Face directory with tokenizer.json instead.`);
  }
  const merges = asStringArray(md.get('tokenizer.ggml.merges'));
  if (!merges) throw new Error(`${file}: a BPE GGUF must carry tokenizer.ggml.merges, which is missing.`);
  const preType = md.get('tokenizer.ggml.pre');
  const pre = preTokenizerFor(typeof preType === 'string' ? preType : undefined);
  if (!pre) throw new Error(`${file}: tokenizer.ggml.pre '${String(preType)}' is not supported (supported: ${SUPPORTED_PRE_TYPES.join(', ')}).`);

  const types = md.get('tokenizer.ggml.token_type');
  const typeOf = (i: number): number => (Array.isArray(types) && typeof types[i] === 'number' ? (types[i] as number) : 1);
  const vocab: Record<string, number> = {};
  const addedTokens: Record<string, unknown>[] = [];
  for (let i = 0; i < tokens.length; i++) {
    vocab[tokens[i]] = i;
    const t = typeOf(i);
    if (t === TOKEN_TYPE_CONTROL || t === TOKEN_TYPE_USER_DEFINED) {
      addedTokens.push({ id: i, content: tokens[i], single_word: false, lstrip: false, rstrip: false, normalized: false, special: t === TOKEN_TYPE_CONTROL });
    }
  }

  const bos = asNumber(md.get('tokenizer.ggml.bos_token_id'));
  const eosId = asNumber(md.get('tokenizer.ggml.eos_token_id'));
  const eos = new Set<number>();
  if (eosId !== undefined) eos.add(eosId);
  const eot = asNumber(md.get('tokenizer.ggml.eot_token_id'));
  if (eot !== undefined) eos.add(eot);
  for (const name of END_OF_TURN_NAMES) {
    const id = vocab[name];
    if (id !== undefined && typeOf(id) === TOKEN_TYPE_CONTROL) eos.add(id);
  }
  const addBosMd = md.get('tokenizer.ggml.add_bos_token');
  const chatTemplate = md.get('tokenizer.chat_template');

  return {
    tokenizerJson: {
      version: '1.0',
      added_tokens: addedTokens,
      normalizer: null,
      pre_tokenizer: pre,
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', vocab, merges, dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: preType === 'llama-bpe' || preType === 'llama3' },
    },
    tokenizerConfig: {
      bos_token: bos !== undefined ? tokens[bos] : null,
      eos_token: eosId !== undefined ? tokens[eosId] : null,
      clean_up_tokenization_spaces: false,
    },
    chatTemplate: typeof chatTemplate === 'string' ? chatTemplate : undefined,
    bos,
    eos: [...eos],
    addBos: typeof addBosMd === 'boolean' ? addBosMd : false,
  };
}
