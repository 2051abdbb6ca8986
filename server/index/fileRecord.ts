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
  /** Referenced identifier -> number of uses. */
  refs: Record<string, number>;
  /** Module specifiers as written (`./foo`, `os.path`, `std::io`). */
  imports: string[];
  chunks: ChunkRecord[];
  /** BM25 terms of the chunks, grouped by term (what the lexical index merges). */
  termTable: FileTermTable;
}

/**
 * A file's references as the index holds them: the names joined by '\n' (an identifier holds no newline) and their
 * counts in the same order. One string and one typed array instead of an object with a key per name: a million
 * lines reference a quarter of a million (file, name) pairs, and as objects they were most of what the server thread
 * spent taking the workers' results in (structured clone builds each one key by key).
 */
export interface PackedRefs { names: string; counts: Int32Array }

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

/** An indexed file as the index holds it (and a worker sends it). */
export interface IndexedFile extends Omit<ParsedContent, 'refs'> {
  refs: PackedRefs;
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
