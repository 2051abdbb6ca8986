// The per-file result of indexing: what the worker sends to the main thread and what the on-disk cache stores.
// Plain JSON-able data so that it crosses worker_threads and the cache without conversion.

import type { FileTermTable } from './fileTermTable';

export type SymbolKind = 'function' | 'method' | 'class' | 'type' | 'interface' | 'enum' | 'module' | 'variable';

export interface SymbolDef {
  name: string;
  kind: SymbolKind;
  /** Root-relative, '/' separators. */
  file: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  container?: string;
}

/** A rankable piece of a file: a whole definition, or a window of lines outside any top-level definition. */
export interface ChunkRecord {
  kind: 'definition' | 'window';
  startLine: number;
  endLine: number;
  /** Definition name, for definition chunks. */
  name?: string;
  /** Number of terms (BM25 document length). */
  length: number;
}

/** What parsing one file's text yields; cached by content hash, so it holds no path-dependent data but `defs[].file`. */
export interface ParsedContent {
  /** A parsed language id (see languages.ts) or 'text' for line windows only. */
  language: string;
  lineCount: number;
  defs: SymbolDef[];
  /** Referenced identifiers and their numbers of uses (see PackedRefs). */
  refs: PackedRefs;
  /** Module specifiers as written (`./foo`, `os.path`, `std::io`). */
  imports: string[];
  chunks: ChunkRecord[];
  /** BM25 terms of the chunks, grouped by term (what the lexical index merges). */
  termTable: FileTermTable;
}

/**
 * A file's references, packed from the scanner that counts them to the index that holds them: the names joined by '\n'
 * (an identifier holds no newline) and their counts in the same order (first seen first). One string and one typed
 * array instead of an object with a key per name: a million lines reference a quarter of a million (file, name)
 * pairs, and as objects they were most of what the server thread spent taking the workers' results in (structured
 * clone builds each one key by key), and most of what a worker spent building them (a dictionary key per name).
 */
export interface PackedRefs { names: string; counts: Int32Array }

/** No references (a fresh array each time: a worker moves each record's counts to the server thread). */
export function noRefs(): PackedRefs { return { names: '', counts: new Int32Array(0) }; }

export function packRefs(refs: Record<string, number>): PackedRefs {
  const names = Object.keys(refs);
  const counts = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) counts[i] = refs[names[i]];
  return { names: names.join('\n'), counts };
}

/** Calls `fn` for each referenced name with its count. */
export function forEachRef(refs: PackedRefs, fn: (name: string, count: number) => void): void {
  if (!refs.counts.length) return;
  const names = refs.names.split('\n');
  for (let i = 0; i < names.length; i++) fn(names[i], refs.counts[i]);
}

export function unpackRefs(refs: PackedRefs): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  forEachRef(refs, (name, count) => { out[name] = count; });
  return out;
}

/**
 * `refs` less one use per entry of `names` (a definition's own name is not a use of it); a name left with no use is
 * dropped, and the order stays. Returns `refs` itself when none of `names` is referenced. The list is walked once,
 * each entry found by an FNV-1a hash of its characters, without cutting it into a string per name: a file references
 * hundreds of names and defines a few.
 */
export function withoutUses(refs: PackedRefs, names: readonly string[]): PackedRefs {
  const counts = refs.counts;
  if (!names.length || !counts.length) return refs;
  // The distinct names, how many uses each takes away, and an open-addressing table of their hashes.
  const distinct: string[] = [];
  const take: number[] = [];
  let size = 16;
  while (size < names.length * 4) size *= 2;
  const slots = new Int32Array(size * 2);   // (hash, 1 + index in distinct) pairs
  const mask = size - 1;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const h = hashOf(name, 0, name.length);
    let s = h & mask;
    for (;;) {
      const v = slots[2 * s + 1];
      if (v === 0) { slots[2 * s] = h; slots[2 * s + 1] = distinct.length + 1; distinct.push(name); take.push(1); break; }
      if (slots[2 * s] === h && distinct[v - 1] === name) { take[v - 1]++; break; }
      s = (s + 1) & mask;
    }
  }
  const list = refs.names;
  let left: Int32Array | undefined;   // the counts after subtraction, once a name is found
  let dropped = 0;
  for (let k = 0, start = 0; k < counts.length; k++) {
    let end = list.indexOf('\n', start);
    if (end < 0) end = list.length;
    const h = hashOf(list, start, end);
    for (let s = h & mask; slots[2 * s + 1] !== 0; s = (s + 1) & mask) {
      const d = slots[2 * s + 1] - 1;
      if (slots[2 * s] !== h || distinct[d].length !== end - start || !list.startsWith(distinct[d], start)) continue;
      left ??= counts.slice();
      left[k] -= take[d];
      if (left[k] <= 0) dropped++;
      break;
    }
    start = end + 1;
  }
  if (!left) return refs;
  if (!dropped) return { names: list, counts: left };
  const keptCounts = new Int32Array(counts.length - dropped);
  const parts: string[] = [];
  for (let k = 0, start = 0, kept = 0; k < counts.length; k++) {
    let end = list.indexOf('\n', start);
    if (end < 0) end = list.length;
    if (left[k] > 0) { parts.push(list.slice(start, end)); keptCounts[kept++] = left[k]; }
    start = end + 1;
  }
  return { names: parts.join('\n'), counts: keptCounts };
}

/** FNV-1a over the UTF-16 code units of text[start, end). */
function hashOf(text: string, start: number, end: number): number {
  let h = 2166136261;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h;
}

/** An indexed file as the index holds it (and a worker sends it). */
export interface IndexedFile extends ParsedContent {
  file: string;
  /** sha1 of the file's bytes. */
  hash: string;
  bytes: number;
  text: string;
}

/** Why a file was left out of the index (reported, never silent). */
export interface SkippedFile {
  file: string;
  reason: string;
}
