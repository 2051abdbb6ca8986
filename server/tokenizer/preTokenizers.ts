/**
 * The pre-tokenizer of each `tokenizer.ggml.pre` type, written as the tokenizer.json pre_tokenizer
 * that Hugging Face ships for that model family. The regexes are the ones llama.cpp uses for the same
 * type (llama-vocab.cpp), so our ids match llama.cpp's tokenization of the same GGUF.
 */

type PreTokenizerConfig = Record<string, unknown>;

const split = (regex: string): PreTokenizerConfig => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });
const byteLevel = (useRegex: boolean): PreTokenizerConfig => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
const sequence = (...pretokenizers: PreTokenizerConfig[]): PreTokenizerConfig => ({ type: 'Sequence', pretokenizers });

/** GPT-2's split: contractions, letters, numbers, other symbols, whitespace. */
const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
/** Llama 3's split: case-insensitive contractions, numbers in groups of up to three, newlines kept apart. */
const LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's split: as Llama 3 but single digits. */
const QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const BY_TYPE: Record<string, () => PreTokenizerConfig> = {
  // StarCoder-family vocabularies (SmolLM, StarCoder, Refact, CodeShell): every digit alone, then GPT-2.
  smollm: () => sequence(split('\\p{N}'), split(GPT2), byteLevel(false)),
  starcoder: () => sequence(split('\\p{N}'), split(GPT2), byteLevel(false)),
  refact: () => sequence(split('\\p{N}'), split(GPT2), byteLevel(false)),
  codeshell: () => sequence(split('\\p{N}'), split(GPT2), byteLevel(false)),
  'gpt-2': () => sequence(split(GPT2), byteLevel(false)),
  mpt: () => sequence(split(GPT2), byteLevel(false)),
  olmo: () => sequence(split(GPT2), byteLevel(false)),
  jais: () => sequence(split(GPT2), byteLevel(false)),
  // A GGUF without tokenizer.ggml.pre (older conversions): GPT-2's split, as llama.cpp falls back to.
  default: () => sequence(split(GPT2), byteLevel(false)),
  'llama-bpe': () => sequence(split(LLAMA3), byteLevel(false)),
  llama3: () => sequence(split(LLAMA3), byteLevel(false)),
  'llama-v3': () => sequence(split(LLAMA3), byteLevel(false)),
  dbrx: () => sequence(split(LLAMA3), byteLevel(false)),
  smaug: () => sequence(split(LLAMA3), byteLevel(false)),
  qwen2: () => sequence(split(QWEN2), byteLevel(false)),
  stablelm2: () => sequence(split(QWEN2), byteLevel(false)),
  'deepseek-coder': () => sequence(
    split('[\\r\\n]'),
    split('\\s?\\p{L}+'),
    split('\\s?\\p{P}+'),
    split('[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+'),
    split('\\p{N}'),
    byteLevel(false),
  ),
};

export const SUPPORTED_PRE_TYPES = Object.keys(BY_TYPE);

/** The tokenizer.json `pre_tokenizer` for a GGUF `tokenizer.ggml.pre` value, or undefined if unknown. */
export function preTokenizerFor(preType: string | undefined): PreTokenizerConfig | undefined {
  const make = BY_TYPE[preType ?? 'default'];
  return make ? make() : undefined;
}
