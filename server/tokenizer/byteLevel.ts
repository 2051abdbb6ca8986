/**
 * GPT-2's byte-level alphabet: every byte is written as one printable character in the vocabulary.
 * We need the inverse to turn a token back into its exact bytes, which gives streaming decode and
 * per-token character spans in the prompt (the spans feed the token -> source line map).
 */

function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array(256);
  const isPrintable = new Set(printable);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = isPrintable.has(b) ? String.fromCharCode(b) : String.fromCharCode(256 + next++);
  }
  return map;
}

export const BYTE_TO_CHAR = buildByteToChar();
export const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Bytes of a byte-level vocabulary entry, or undefined when it has characters outside the alphabet. */
export function byteLevelTokenBytes(token: string): Uint8Array | undefined {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

/** Bytes of a SentencePiece-style entry: '▁' is a space and <0xNN> a raw byte. */
export function metaspaceTokenBytes(token: string): Uint8Array {
  const hex = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
  if (hex) return Uint8Array.of(parseInt(hex[1], 16));
  return new TextEncoder().encode(token.replace(/\u2581/g, ' '));
}

const utf8 = new TextEncoder();

/** A text in the byte-level alphabet (what ByteLevel pre-tokenization hands to BPE). */
export function byteLevelString(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}
