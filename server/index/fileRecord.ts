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
 * dropped, and the order stays. Returns `refs` itself when none of `names` is referenced.
 */
export function withoutUses(refs: PackedRefs, names: readonly string[]): PackedRefs {
  if (!names.length || !refs.counts.length) return refs;
  const take = new Map<string, number>();
  for (const n of names) take.set(n, (take.get(n) ?? 0) + 1);
  const list = refs.names.split('\n');
  const counts = refs.counts;
  let first = -1;
  for (let i = 0; i < list.length; i++) if (take.has(list[i])) { first = i; break; }
  if (first < 0) return refs;
  const keptNames = list.slice(0, first);
  const keptCounts = new Int32Array(list.length);
  keptCounts.set(counts.subarray(0, first));
  let kept = first;
  for (let i = first; i < list.length; i++) {
    const left = counts[i] - (take.get(list[i]) ?? 0);
    if (left <= 0) continue;
    keptNames.push(list[i]);
    keptCounts[kept++] = left;
  }
  return { names: keptNames.join('\n'), counts: keptCounts.slice(0, kept) };
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
