// The native indexing helpers (native/src/indexing, their own addon unisparse_indexing.node, loaded through
// native/indexing.js; never the model's addon, which does not load in the language server): the byte-level passes every
// file goes through, in C++. Each has a JavaScript twin in server/index that gives the same result; the
// twin runs where the addon is not built and under UNISPARSE_INDEX_NATIVE=0 (parse-and-query also where the addon was
// built without the vendored tree-sitter runtime, and for queries with predicates it does not evaluate).
// test/unit/index/nativeIndexing.test.ts compares the two on real files.
import * as path from 'path';
import { projectRoot } from '../projectRoot';

/** What native/binding/indexing/indexing_addon.cpp exports. */
export interface NativeIndexing {
  /** The term table of chunks (1-based inclusive line ranges) over `text`, and each chunk's number of terms. */
  termTable(text: string, chunkStarts: Int32Array, chunkEnds: Int32Array): {
    termBytes: Uint8Array; termStarts: Int32Array; offsets: Int32Array; pairs: Int32Array; slots: Int32Array; lengths: Int32Array;
  };
  /**
   * codeSkeleton.ts's scan: undefined when it cannot follow the text; `text` undefined when nothing was blanked;
   * identifiers joined by '\n', their counts in the same order.
   */
  codeSkeleton(text: string, family: 'c' | 'js' | 'ts'): {
    text?: string; blanked: number; identifiers: string; counts: Int32Array; imports: string[]; cpp: boolean;
  } | undefined;
  /**
   * fileReader.ts's reading of one file (absent on Windows): the bytes land in `into` and `out` is set to [status,
   * errno, size, bytes read, NUL in the first 8 KB, all ASCII, longest line in bytes] (native/src/indexing/source_file.h).
   */
  readSource?(path: string, maxBytes: number, into: Uint8Array, out: Float64Array): void;
  /** Parse-and-query with the tree-sitter runtime built into the addon (absent when it was built without one). */
  treeSitter?: NativeTreeSitter;
}

/** native/src/indexing/syntax_captures.h: queries compiled against a grammar package's `language`. */
export interface NativeTreeSitter {
  /** bindingPredicates: the query has predicates other than #eq? / #not-eq? of a capture and a string (see parseMatches). */
  compileQuery(language: unknown, source: string): { query: unknown; captureNames: string[]; bindingPredicates: boolean };
  /**
   * Parses `text` and runs `query` over the tree (freed before returning): per match, its capture count, then per
   * capture: capture id, start, end (UTF-16 offsets), start row, start column, end row, end column; matches whose
   * #eq? / #not-eq? predicates fail are left out, as the npm binding does. Null: no tree.
   */
  parseMatches(query: unknown, text: string): Int32Array | null;
  /**
   * The same, with the references of a whole-file parse taken out of the matches and counted (syntax_captures.h's
   * takeReferences): captures `refCapture` whose text is two characters or more and does not start where a capture
   * `nameCapture` does; names joined by '\n' in first-seen order, their counts in the same order.
   */
  parseMatches(query: unknown, text: string, refCapture: number, nameCapture: number): { matches: Int32Array; refNames: string; refCounts: Int32Array } | null;
}

let loaded: { helpers?: NativeIndexing; reason?: string } | undefined;

function load(): { helpers?: NativeIndexing; reason?: string } {
  if (process.env.UNISPARSE_INDEX_NATIVE === '0') return { reason: 'UNISPARSE_INDEX_NATIVE=0' };
  try {
    // A computed path keeps esbuild from bundling the loader (it must find the .node next to itself).
    const dynamicRequire = require;
    return { helpers: dynamicRequire(path.join(projectRoot(), 'native', 'indexing.js')) as NativeIndexing };
  } catch (e) {
    return { reason: (e as Error).message.split('\n')[0] };
  }
}

/** The native helpers of this thread, or undefined (then nativeIndexingUnavailable says why). */
export function nativeIndexing(): NativeIndexing | undefined {
  loaded ??= load();
  return loaded.helpers;
}

export function nativeIndexingUnavailable(): string | undefined {
  loaded ??= load();
  return loaded.reason;
}
