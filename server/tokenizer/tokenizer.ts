/**
 * The text tokenizer of a model, built with @huggingface/tokenizers from either the model directory's
 * tokenizer.json or the vocabulary inside a GGUF file. It runs in plain JS (no native code) so the
 * language server can count tokens for context packing without loading the model.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
// The package is ESM-typed but ships a CommonJS build for `require`, which esbuild bundles.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as { Tokenizer: new (json: object, config: object) => HfTokenizer };
type Tokenizer = HfTokenizer;
import { readGgufMetadata, isGgufFile } from './ggufMetadata';
import { tokenizerSpecFromGguf } from './ggufTokenizerJson';
import { byteLevelTokenBytes, metaspaceTokenBytes, byteLevelString } from './byteLevel';
import { makeWordSplitter, WordSplitter } from './wordSplitter';

export interface EncodeOptions {
  /** Prepend BOS when the model wants one. */
  addSpecial?: boolean;
  /**
   * Match control tokens such as <|im_end|> written in the text (default true, for chat prompts). Repository
   * text must not: a source file containing "<|im_end|>" would otherwise end the prompt's turn.
   */
  parseSpecial?: boolean;
}

export interface TextTokenizer {
  encode(text: string, opts?: EncodeOptions): number[];
  /**
   * Token ids plus, for each token, [charStart, charEnd) in `text` (UTF-16 offsets), 2 entries per token.
   * Control tokens are matched except inside `literal` ([start, end) character offsets), which is
   * tokenized as plain text (the packed repository context).
   */
  encodeWithOffsets(text: string, opts?: { literal?: [number, number] }): { ids: number[]; spans: Int32Array };
  decode(ids: number[], opts?: { skipSpecial?: boolean }): string;
  /** Tokens of `text` as plain text (control tokens not matched), as the context packer needs; a stable, unbound-safe function. */
  readonly count: (text: string) => number;
  bos?: number;
  eos: number[];
  /** The model's own chat template (Jinja), when it ships one. */
  chatTemplate?: string;
  /** The exact bytes a token stands for (for streaming UTF-8 decode). */
  tokenBytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
  tokenToId(token: string): number | undefined;
  readonly vocabSize: number;
}

interface TokenizerParts {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  chatTemplate?: string;
  bos?: number;
  eos: number[];
  addBos: boolean;
  spacePrefix?: boolean;
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: cannot read it as JSON (${(e as Error).message}).`);
  }
}

/** Reads tokenizer.json (+ tokenizer_config.json) from a Hugging Face model directory. */
function partsFromDirectory(dir: string): TokenizerParts {
  const tokFile = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokFile)) {
    throw new Error(`${dir}: no tokenizer.json in the model directory. Text needs a tokenizer; copy the model's tokenizer.json next to config.json (token ids still work with eval-logits).`);
  }
  const json = readJson(tokFile);
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(cfgFile) ? readJson(cfgFile) : {};
  const added = (json.added_tokens as { id: number; content: string; special?: boolean }[] | undefined) ?? [];
  const idOf = (content: unknown): number | undefined => {
    const text = typeof content === 'string' ? content : (content as { content?: string } | null)?.content;
    if (!text) return undefined;
    const hit = added.find((t) => t.content === text);
    if (hit) return hit.id;
    const vocab = (json.model as { vocab?: Record<string, number> } | undefined)?.vocab;
    return vocab && !Array.isArray(vocab) ? vocab[text] : undefined;
  };
  const eos = new Set<number>();
  const eosId = idOf(config.eos_token);
  if (eosId !== undefined) eos.add(eosId);
  for (const t of added) {
    if (t.special && ['<|im_end|>', '<|eot_id|>', '<|endoftext|>', '<|end_of_text|>', '<|EOT|>'].includes(t.content)) eos.add(t.id);
  }
  let chatTemplate = config.chat_template;
  if (Array.isArray(chatTemplate)) chatTemplate = (chatTemplate as { name: string; template: string }[]).find((t) => t.name === 'default')?.template;
  const templateFile = path.join(dir, 'chat_template.jinja');
  if (typeof chatTemplate !== 'string' && fs.existsSync(templateFile)) chatTemplate = fs.readFileSync(templateFile, 'utf8');
  return {
    json,
    config,
    chatTemplate: typeof chatTemplate === 'string' ? chatTemplate : undefined,
    bos: idOf(config.bos_token),
    eos: [...eos],
    // tokenizer.json's post-processor adds BOS itself when the model wants it; we add it explicitly instead.
    addBos: config.add_bos_token === true,
  };
}

function partsFromGguf(file: string): TokenizerParts {
  const md = readGgufMetadata(file).metadata;
  const spec = tokenizerSpecFromGguf(file, md);
  return { json: spec.tokenizerJson, config: spec.tokenizerConfig, chatTemplate: spec.chatTemplate, bos: spec.bos, eos: spec.eos, addBos: spec.addBos, spacePrefix: spec.spacePrefix };
}

/** Maps each UTF-8 byte offset of `text` to the UTF-16 offset of the character that contains it. */
function byteToCharOffsets(text: string): Int32Array {
  const map: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let b = 0; b < bytes; b++) map.push(i);
    i += units;
  }
  map.push(text.length);
  return Int32Array.from(map);
}

class HfTextTokenizer implements TextTokenizer {
  readonly bos?: number;
  readonly eos: number[];
  readonly chatTemplate?: string;
  readonly vocabSize: number;
  private readonly bytesById: Uint8Array[];
  private readonly special = new Set<number>();
  private readonly addBos: boolean;
  private readonly spacePrefix: boolean;

  constructor(private readonly tok: Tokenizer, private readonly plain: Tokenizer, parts: TokenizerParts) {
    this.bos = parts.bos;
    this.eos = parts.eos;
    this.chatTemplate = parts.chatTemplate;
    this.addBos = parts.addBos;
    this.spacePrefix = parts.spacePrefix ?? false;
    const plainAdded = ((parts.json.added_tokens as { special?: boolean }[] | undefined) ?? []).some((t) => !t.special);
    if (!parts.json.normalizer && !plainAdded) this.splitWords = makeWordSplitter(parts.json.pre_tokenizer);
    const vocab = tok.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    for (const [id, added] of tok.get_added_tokens_decoder()) if (added.special) this.special.add(id);
    const isByteLevel = JSON.stringify(parts.json.decoder ?? '').includes('ByteLevel');
    const encoder = new TextEncoder();
    this.bytesById = new Array(this.vocabSize);
    const added = tok.get_added_tokens_decoder();
    for (const [token, id] of vocab) {
      const addedToken = added.get(id);
      if (addedToken) this.bytesById[id] = encoder.encode(addedToken.content);
      else this.bytesById[id] = (isByteLevel ? byteLevelTokenBytes(token) : undefined) ?? metaspaceTokenBytes(token);
    }
  }

  encode(text: string, opts?: EncodeOptions): number[] {
    const ids = (opts?.parseSpecial === false ? this.plain : this.tok).encode(text, { add_special_tokens: false }).ids;
    if (opts?.addSpecial && this.addBos && this.bos !== undefined) ids.unshift(this.bos);
    return ids;
  }

  encodeWithOffsets(text: string, opts?: { literal?: [number, number] }): { ids: number[]; spans: Int32Array } {
    let ids: number[];
    if (opts?.literal) {
      const [a, b] = opts.literal;
      ids = [...this.encode(text.slice(0, a)), ...this.encode(text.slice(a, b), { parseSpecial: false }), ...this.encode(text.slice(b))];
    } else {
      ids = this.encode(text);
    }
    const spans = new Int32Array(ids.length * 2);
    const byteToChar = byteToCharOffsets(text);
    const totalBytes = byteToChar.length - 1;
    let byte = 0;
    let atRunStart = true; // SentencePiece's space prefix sits at the start of each run of plain text
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.tokenBytes(ids[i]);
      if (this.special.has(ids[i])) atRunStart = true;
      else if (atRunStart) {
        atRunStart = false;
        if (this.spacePrefix && bytes[0] === 0x20) byte -= 1; // the prefix space is not in the text
      }
      const start = Math.max(0, byte);
      byte += bytes.length;
      spans[2 * i] = byteToChar[Math.min(start, totalBytes)];
      spans[2 * i + 1] = byteToChar[Math.min(byte, totalBytes)];
    }
    if (byte !== totalBytes) {
      // A normalizer changed the text (not the case for byte-level BPE): spread tokens proportionally.
      for (let i = 0; i < ids.length; i++) {
        spans[2 * i] = Math.floor((i * text.length) / ids.length);
        spans[2 * i + 1] = Math.floor(((i + 1) * text.length) / ids.length);
      }
    } else {
      // A token that ends inside a multi-byte character owns that whole character.
      for (let i = 0; i < ids.length; i++) if (spans[2 * i + 1] < spans[2 * i]) spans[2 * i + 1] = spans[2 * i];
    }
    return { ids, spans };
  }

  decode(ids: number[], opts?: { skipSpecial?: boolean }): string {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const id of ids) {
      if (opts?.skipSpecial && this.special.has(id)) continue;
      const b = this.tokenBytes(id);
      parts.push(b);
      total += b.length;
    }
    const all = new Uint8Array(total);
    let off = 0;
    for (const p of parts) { all.set(p, off); off += p.length; }
    return new TextDecoder().decode(all);
  }

  /**
   * A stable function (one identity per tokenizer), so the context packer can memoise counts per function.
   * Fast path: pre-tokenize, then look each word's BPE length up in a cache; source code repeats its words,
   * so most lookups skip BPE. Used only where it provably equals encode().length (no normalizer, no added
   * tokens matched in plain text); otherwise it is a full encode.
   */
  readonly count = (text: string): number => {
    const model = this.plain.model;
    if (!this.splitWords || !model) return this.plain.encode(text, { add_special_tokens: false }).ids.length;
    let n = 0;
    for (const word of this.splitWords(text)) {
      const cached = this.wordLengths.get(word);
      if (cached !== undefined) {
        n += cached;
        continue;
      }
      const len: number = model([byteLevelString(word)]).length;
      if (this.wordLengths.size >= 200_000) this.wordLengths.clear();
      this.wordLengths.set(word, len);
      n += len;
    }
    return n;
  };
  private readonly wordLengths = new Map<string, number>();
  private readonly splitWords?: WordSplitter;

  tokenBytes(id: number): Uint8Array {
    return this.bytesById[id] ?? new Uint8Array(0);
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }
}

const cache = new Map<string, Promise<TextTokenizer>>();

/** Loads (once per path) the tokenizer of a .gguf file or a Hugging Face model directory. */
export function loadTokenizer(modelPath: string): Promise<TextTokenizer> {
  const key = path.resolve(modelPath);
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      if (!fs.existsSync(key)) throw new Error(`${key}: the model path does not exist. Run \`unisparse fetch-model\` or point --model at a .gguf file or a model directory.`);
      // Unreadable is its own failure: reading zero bytes must not be reported as "wrong magic number".
      try { fs.accessSync(key, fs.constants.R_OK); } catch (e) {
        throw new Error(`${key}: permission denied (${(e as NodeJS.ErrnoException).code ?? 'EACCES'}): this user cannot read the model. Make it readable (chmod a+r) or point --model at another file.`);
      }
      const parts = fs.statSync(key).isDirectory() ? partsFromDirectory(key) : isGgufFile(key) ? partsFromGguf(key)
        : (() => { throw new Error(`${key}: not a GGUF file (wrong magic number) and not a model directory. Point --model at a .gguf file or a Hugging Face model directory.`); })();
      // A second instance without the control tokens in added_tokens tokenizes text literally (llama.cpp's parse_special=false).
      const added = (parts.json.added_tokens as { special?: boolean }[] | undefined) ?? [];
      const plainJson = { ...parts.json, added_tokens: added.filter((t) => !t.special) };
      const tok = new HfTextTokenizer(new Tokenizer(parts.json, parts.config), new Tokenizer(plainJson, parts.config), parts);
      // A corrupt special-token id would make every prompt start (or never stop) with a token the model lacks.
      for (const [name, id] of [['bos', tok.bos], ...tok.eos.map((e) => ['eos', e] as const)] as const) {
        if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id < tok.vocabSize)) {
          throw new Error(`${key}: the ${name} token id ${id} is outside the vocabulary (${tok.vocabSize} tokens); the tokenizer metadata is corrupt.`);
        }
      }
      return tok;
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
