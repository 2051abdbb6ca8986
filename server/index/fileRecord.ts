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
