// The slice of tree-sitter that the parser uses, written once for its two backends: the native runtime
// (nativeGrammars.ts, N-API prebuilds) and the wasm one (grammarLoader.ts). Both expose these same shapes, so
// fileParser.ts runs the same queries over either and reads the same fields from the captures.
import type { PackedRefs } from './fileRecord';

export interface SyntaxPoint { row: number; column: number }

export interface SyntaxNode {
  /** Offsets in the parsed string (UTF-16 code units in both backends). */
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: SyntaxPoint;
  readonly endPosition: SyntaxPoint;
  readonly text: string;
}

export interface SyntaxCapture { name: string; node: SyntaxNode }
export interface SyntaxMatch { captures: SyntaxCapture[] }

export interface SyntaxTree {
  readonly rootNode: SyntaxNode;
  /** Frees the tree now (wasm memory is not collected); the native tree is freed by the garbage collector. */
  delete?(): void;
}

export interface SyntaxQuery { matches(node: SyntaxNode): SyntaxMatch[] }

/** One language of one backend: a parser bound to it, and queries compiled against it. */
export interface SyntaxLanguage {
  readonly backend: ParserBackend;
  parse(text: string): SyntaxTree | null;
  /** Throws with tree-sitter's message when `source` does not compile against this grammar. */
  query(source: string): SyntaxQuery;
  /**
   * Parses `text` and runs `query` in one call, keeping no tree, where this backend can (the native one with the
   * index helpers' addon, for a query whose predicates it evaluates): the same matches as parse + query.matches.
   * With `countRefs`, the `ref` captures are counted instead of returned, as fileParser.ts counts them (two
   * characters or more, not a definition's `name`; first-seen order). Undefined where it cannot (the caller then
   * parses and queries); throws when tree-sitter returns no tree.
   */
  parseMatches?(text: string, query: SyntaxQuery, countRefs?: boolean): { matches: SyntaxMatch[]; refs?: PackedRefs } | undefined;
}

export type ParserBackend = 'native' | 'wasm';
