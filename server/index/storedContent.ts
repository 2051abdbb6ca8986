// A parse as the on-disk cache stores it (contentCache.ts): JSON, compact. Definitions are arrays rather than
// objects and carry no path (the index sets each definition's file when it takes the entry), chunks are numbers and
// their names, references are packed (fileRecord.ts's PackedRefs, the counts as a JSON array), and the term table is
// left out (recomputed from the text on a hit, with each chunk's length). Half the bytes of the objects as they
// are, and half the time a worker spends turning each parse into its entry.
import type { ChunkRecord, ParsedContent, SymbolDef, SymbolKind } from './fileRecord';
import { objectArray } from './objectArrays';

export interface StoredContent {
  language: string;
  lineCount: number;
  /** [name, kind, startLine, endLine] or [name, kind, startLine, endLine, container] per definition. */
  defs: (string | number)[][];
  refs: { names: string; counts: number[] };
  imports: string[];
  /** [1 for a definition or 0 for a window, startLine, endLine] per chunk, in order. */
  chunks: number[];
  /** The definition chunks' names, in order. */
  chunkNames: string[];
}

export function storedContent(content: ParsedContent): StoredContent {
  const defs: (string | number)[][] = [];
  for (const d of content.defs) {
    defs.push(d.container === undefined ? [d.name, d.kind, d.startLine, d.endLine] : [d.name, d.kind, d.startLine, d.endLine, d.container]);
  }
  const chunks: number[] = [];
  const chunkNames: string[] = [];
  for (const c of content.chunks) {
    const definition = c.kind === 'definition';
    chunks.push(definition ? 1 : 0, c.startLine, c.endLine);
    if (definition) chunkNames.push(c.name ?? '');
  }
  const counts = new Array<number>(content.refs.counts.length);
  for (let i = 0; i < counts.length; i++) counts[i] = content.refs.counts[i];
  return { language: content.language, lineCount: content.lineCount, defs, refs: { names: content.refs.names, counts }, imports: content.imports, chunks, chunkNames };
}

/**
 * The parse of a stored entry for `language`, its chunks' lengths still 0 and its definitions' files '' (the caller
 * sets both); undefined when the entry is not what storedContent writes (an old format, a torn or corrupt entry).
 */
export function contentOfStored(value: unknown, language: string): Omit<ParsedContent, 'termTable'> | undefined {
  const s = value as StoredContent;
  if (!s || s.language !== language || typeof s.lineCount !== 'number' || !Array.isArray(s.defs) || !Array.isArray(s.imports) ||
    !Array.isArray(s.chunks) || s.chunks.length % 3 !== 0 || !Array.isArray(s.chunkNames) ||
    typeof s.refs?.names !== 'string' || !Array.isArray(s.refs.counts) || (s.refs.counts.length === 0) !== (s.refs.names === '')) return undefined;
  const defs = objectArray<SymbolDef>();
  for (const d of s.defs) {
    if (!Array.isArray(d) || typeof d[0] !== 'string' || typeof d[1] !== 'string' || typeof d[2] !== 'number' || typeof d[3] !== 'number') return undefined;
    const def: SymbolDef = { name: d[0], kind: d[1] as SymbolKind, file: '', startLine: d[2], endLine: d[3] };
    if (typeof d[4] === 'string') def.container = d[4];
    defs.push(def);
  }
  const chunks = objectArray<ChunkRecord>();
  let named = 0;
  for (let i = 0; i < s.chunks.length; i += 3) {
    const startLine = s.chunks[i + 1]; const endLine = s.chunks[i + 2];
    if (typeof startLine !== 'number' || typeof endLine !== 'number') return undefined;
    if (s.chunks[i] === 1) {
      const name = s.chunkNames[named++];
      if (typeof name !== 'string') return undefined;
      chunks.push({ kind: 'definition', startLine, endLine, name, length: 0 });
    } else {
      chunks.push({ kind: 'window', startLine, endLine, length: 0 });
    }
  }
  return { language, lineCount: s.lineCount, defs, refs: { names: s.refs.names, counts: Int32Array.from(s.refs.counts) }, imports: s.imports, chunks };
}
