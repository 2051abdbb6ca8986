/**
 * Turns the vocabulary stored in a GGUF (tokenizer.ggml.*) into the tokenizer.json object that
 * @huggingface/tokenizers understands, so one tokenizer implementation serves both model formats.
 */
import { GgufValue } from './ggufMetadata';
import { preTokenizerFor, SUPPORTED_PRE_TYPES } from './preTokenizers';
import { mergesFromScores } from './spmMerges';

/** llama.cpp's token types: 1 = normal, 3 = control (special), 4 = user-defined (added, matched in text), 6 = byte. */
const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_USER_DEFINED = 4;

export interface GgufTokenizerSpec {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  chatTemplate?: string;
  bos?: number;
  eos: number[];
  addBos: boolean;
  /** SentencePiece: each run of text between control tokens gets one leading space that is not in the text. */
  spacePrefix: boolean;
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
  if (model !== 'gpt2' && model !== 'llama') {
    throw new Error(`${file}: tokenizer.ggml.model is '${String(model)}'; supported are byte-level BPE ('gpt2': SmolLM2, Llama 3, Qwen2.5-Coder, DeepSeek-Coder) and SentencePiece ('llama': Llama 2, CodeLlama). Use the model's Hugging Face directory with tokenizer.json instead.`);
  }
  const preType = md.get('tokenizer.ggml.pre');
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

  const isSpm = model === 'llama';
  let modelJson: Record<string, unknown>;
  let pre: Record<string, unknown> | null;
  let decoder: Record<string, unknown>;
  let normalizer: Record<string, unknown> | null = null;
  let spacePrefix = false;
  if (isSpm) {
    const scores = md.get('tokenizer.ggml.scores');
    const scoreList = Array.isArray(scores) ? (scores as number[]) : tokens.map((_, i) => -i);
    const unk = asNumber(md.get('tokenizer.ggml.unknown_token_id')) ?? 0;
    modelJson = {
      type: 'BPE', vocab, merges: mergesFromScores(tokens, scoreList, (i) => typeOf(i) === TOKEN_TYPE_NORMAL),
      dropout: null, unk_token: tokens[unk], continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false,
    };
    // SentencePiece writes spaces as U+2581 and, like llama.cpp, prefixes each text run with one.
    const addSpacePrefix = md.get('tokenizer.ggml.add_space_prefix') !== false;
    normalizer = { type: 'Sequence', normalizers: [
      ...(addSpacePrefix ? [{ type: 'Prepend', prepend: '\u2581' }] : []),
      { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
    ] };
    spacePrefix = addSpacePrefix;
    pre = null;
    decoder = { type: 'Sequence', decoders: [
      { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' },
    ] };
  } else {
    const merges = asStringArray(md.get('tokenizer.ggml.merges'));
    if (!merges) throw new Error(`${file}: a BPE GGUF must carry tokenizer.ggml.merges, which is missing.`);
    pre = preTokenizerFor(typeof preType === 'string' ? preType : undefined) ?? null;
    if (!pre) throw new Error(`${file}: tokenizer.ggml.pre '${String(preType)}' is not supported (supported: ${SUPPORTED_PRE_TYPES.join(', ')}).`);
    modelJson = { type: 'BPE', vocab, merges, dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: preType === 'llama-bpe' || preType === 'llama3' || preType === 'llama-v3' };
    decoder = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
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
      normalizer,
      pre_tokenizer: pre,
      post_processor: null,
      decoder,
      model: modelJson,
    },
    tokenizerConfig: {
      bos_token: bos !== undefined ? tokens[bos] : null,
      eos_token: eosId !== undefined ? tokens[eosId] : null,
      clean_up_tokenization_spaces: false,
    },
    chatTemplate: typeof chatTemplate === 'string' ? chatTemplate : undefined,
    bos,
    eos: [...eos],
    // llama.cpp's default: SentencePiece models start with BOS, byte-level BPE ones say so in the metadata.
    addBos: typeof addBosMd === 'boolean' ? addBosMd : isSpm,
    spacePrefix,
  };
}
