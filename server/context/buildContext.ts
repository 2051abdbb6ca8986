// Packs the best-ranked code into a token budget. Whole definitions are the unit; a file that ranks
// but does not fit gets an outline (its signatures, with line numbers); whatever relevant code is left out is
// counted in `omitted`, never dropped silently. Each chunk starts with a header `// path:start-end` that the model
// can cite. The question is not part of the text: the prompt builder puts it after the context.
import type { RepoIndex } from '../index/repoIndex';
import type { SymbolDef } from '../index/fileRecord';
import { compareRanked, rankChunks, type RankedChunk } from './rankChunks';
import { redactSecrets } from './redactSecrets';

export interface ContextRequest {
  question: string;
  activeFile?: string;
  selection?: { startLine: number; endLine: number };
  focus?: { file?: string; folder?: string };
  budgetTokens: number;
  countTokens: (text: string) => number;
}

export interface ContextChunk {
  file: string; startLine: number; endLine: number; kind: 'definition' | 'outline' | 'window' | 'selection';
  /** Offsets into PackedContext.text: from the header's first character to the end of the chunk's last line. */
  charStart: number; charEnd: number;
  score: number;
}

export interface PackedContext {
  text: string; chunks: ContextChunk[]; tokens: number; omitted: { chunks: number; files: string[] };
  /** Secret values (keys, tokens, passwords) replaced by `[redacted]` in `text`. */
  redactedSecrets: number;
}

/** Share of the budget the first pass may fill with whole chunks, leaving room for outlines of what did not fit. */
const FIRST_PASS_SHARE = 0.85;
/** Chunks scoring below this share of the best score are not "relevant" for the omitted report. */
const RELEVANT_SHARE = 0.25;
const MAX_OUTLINE_ENTRIES = 40;
const MAX_SIGNATURE_CHARS = 160;
/** Once the budget is this close to full, nothing useful fits. */
const MIN_USEFUL_TOKENS = 12;
/** After this many candidates in a row did not fit, the rest (lower scores) are left out without counting. */
const MAX_CONSECUTIVE_MISSES = 40;

interface Piece { chunk: Omit<ContextChunk, 'charStart' | 'charEnd'>; body: string; tokens: number; redactions: number }

/** A piece's body with secrets redacted: nothing is packed (or counted in tokens) before this pass. */
function redactedPiece(chunk: Piece['chunk'], raw: string): Piece {
  const { text, redactions } = redactSecrets(raw);
  return { chunk, body: text, tokens: 0, redactions };
}

/**
 * Token counts per counting function and text: the model tokenizer is the slowest part of packing, and the same
 * chunks come back question after question. Pass the same `countTokens` function each time to benefit.
 */
const countMemo = new WeakMap<(text: string) => number, Map<string, number>>();
const MAX_MEMO_ENTRIES = 50_000;

function memoised(count: (text: string) => number): (text: string) => number {
  let memo = countMemo.get(count);
  if (!memo) { memo = new Map(); countMemo.set(count, memo); }
  const m = memo;
  return (text) => {
    let n = m.get(text);
    if (n === undefined) {
      n = count(text);
      if (m.size >= MAX_MEMO_ENTRIES) m.clear();
      m.set(text, n);
    }
    return n;
  };
}

export function buildContext(index: RepoIndex, request: ContextRequest): PackedContext {
  const req = { ...request, countTokens: memoised(request.countTokens) };
  const budget = Math.max(0, Math.floor(req.budgetTokens));
  const activeFile = req.activeFile ? index.fileRecord(req.activeFile)?.file : undefined;
  const ranked = rankChunks(index, { ...req, activeFile });
  const packed: Piece[] = [];
  let used = 0;
  const fits = (tokens: number, limit: number) => used + tokens <= limit;
  const overlapsPacked = (file: string, s: number, e: number) =>
    packed.some((p) => p.chunk.file === file && p.chunk.kind !== 'outline' && p.chunk.startLine <= e && s <= p.chunk.endLine);

  // 1. The selection (or the definition around it) comes first: it is what the user is looking at.
  const topScore = ranked.length ? ranked[0].score : 1;
  if (activeFile && req.selection) {
    const piece = selectionPiece(index, activeFile, req.selection, budget, req.countTokens, topScore + 1);
    if (piece) { packed.push(piece); used += piece.tokens; }
  }

  // 2. Whole chunks by score into most of the budget, then 3. outlines of files that ranked but did not fit,
  // then 4. more chunks into whatever is left.
  const unplaced: RankedChunk[] = [];
  // Counting tokens with the model's tokenizer is the expensive step, so candidates that cannot fit are skipped on
  // an estimate: characters / (the densest chars-per-token seen so far x 1.5) is a safe lower bound in practice.
  let countedChars = 0; let countedTokens = 0; let misses = 0;
  const lowerBound = (chars: number) => chars / (countedTokens ? Math.max(2, (countedChars / countedTokens) * 1.5) : 8);
  const tryChunks = (list: RankedChunk[], limit: number, left: RankedChunk[]) => {
    misses = 0;
    for (const r of list) {
      if (limit - used < MIN_USEFUL_TOKENS || misses >= MAX_CONSECUTIVE_MISSES) { left.push(r); continue; }
      if (overlapsPacked(r.file, r.startLine, r.endLine)) continue;
      const body = lineRange(index, r.file, r.startLine, r.endLine);
      if (body === undefined) continue;
      if (used + lowerBound(body.length) > limit) { left.push(r); continue; }
      const p = redactedPiece({ file: r.file, startLine: r.startLine, endLine: r.endLine, kind: r.kind, score: r.score }, body);
      const rendered = render(p) + '\n';
      p.tokens = req.countTokens(rendered);
      countedChars += rendered.length; countedTokens += p.tokens;
      if (fits(p.tokens, limit)) { packed.push(p); used += p.tokens; misses = 0; } else { left.push(r); misses++; }
    }
  };
  tryChunks(ranked, Math.floor(budget * FIRST_PASS_SHARE), unplaced);

  const packedFiles = () => new Set(packed.filter((p) => p.chunk.kind !== 'outline').map((p) => p.chunk.file));
  const outlined = new Set<string>();
  const floor = topScore * RELEVANT_SHARE;
  // A packed member of a class that did not fit (one method, one attribute) leaves the rest of the class unseen: the
  // file still gets its outline, less the packed definitions. Only a chunk wholly inside packed code needs none.
  const coveredByPacked = (file: string, s: number, e: number) =>
    packed.some((p) => p.chunk.file === file && p.chunk.kind !== 'outline' && p.chunk.startLine <= s && e <= p.chunk.endLine);
  for (const r of unplaced) {
    if (r.score < floor || outlined.has(r.file) || coveredByPacked(r.file, r.startLine, r.endLine)) continue;
    outlined.add(r.file);
    // An outline shows a definition's first line: it repeats nothing unless that line is packed (a class whose one
    // member was packed still gets its `class` line).
    const keep = (d: SymbolDef) => !overlapsPacked(r.file, d.startLine, d.startLine);
    // The whole file's outline, else (the budget nearly spent) the outline of the chunk that ranked: its own
    // signature and its members'.
    const inside = (d: SymbolDef) => keep(d) && d.startLine >= r.startLine && d.endLine <= r.endLine;
    for (const filter of [keep, inside]) {
      const piece = outlinePiece(index, r.file, r.score, filter, req.countTokens);
      if (piece && fits(piece.tokens, budget)) { packed.push(piece); used += piece.tokens; break; }
    }
  }
  const stillLeft: RankedChunk[] = [];
  tryChunks(unplaced, budget, stillLeft);

  // Exact count of the joined text; drop the lowest-scoring chunks if joining made it longer than the sum.
  let result = assemble(packed);
  let tokens = request.countTokens(result.text);   // the whole text is new each time: not worth memoising
  while (tokens > budget && packed.length) {
    let worst = 0;
    for (let i = 1; i < packed.length; i++) if (packed[i].chunk.score < packed[worst].chunk.score) worst = i;
    const [removed] = packed.splice(worst, 1);
    if (removed.chunk.kind !== 'outline') stillLeft.push({ ...removed.chunk, kind: removed.chunk.kind === 'window' ? 'window' : 'definition' });
    result = assemble(packed);
    tokens = request.countTokens(result.text);
  }

  // What relevant code did not make it in: chunks not covered by any packed chunk, and their files.
  const covered = packedFiles();
  const omittedChunks = stillLeft.filter((r) => r.score >= floor && !overlapsPacked(r.file, r.startLine, r.endLine)).sort(compareRanked);
  const omittedFiles: string[] = [];
  for (const r of omittedChunks) if (!covered.has(r.file) && !omittedFiles.includes(r.file)) omittedFiles.push(r.file);
  const redactedSecrets = packed.reduce((n, p) => n + p.redactions, 0);
  return { text: result.text, chunks: result.chunks, tokens, omitted: { chunks: omittedChunks.length, files: omittedFiles }, redactedSecrets };
}

/** Header line of a chunk: what the model cites. */
function header(c: Piece['chunk']): string {
  return `// ${c.file}:${c.startLine}-${c.endLine}${c.kind === 'outline' ? ' (outline)' : ''}`;
}

function render(p: Piece): string { return `${header(p.chunk)}\n${p.body}`; }

/** Files ordered by their best chunk (score, then path); chunks inside a file by line. */
function assemble(pieces: Piece[]): { text: string; chunks: ContextChunk[] } {
  const best = new Map<string, number>();
  for (const p of pieces) best.set(p.chunk.file, Math.max(best.get(p.chunk.file) ?? -Infinity, p.chunk.score));
  const ordered = [...pieces].sort((a, b) => best.get(b.chunk.file)! - best.get(a.chunk.file)! ||
    (a.chunk.file < b.chunk.file ? -1 : a.chunk.file > b.chunk.file ? 1 : 0) ||
    (a.chunk.kind === 'outline' ? 1 : 0) - (b.chunk.kind === 'outline' ? 1 : 0) || a.chunk.startLine - b.chunk.startLine);
  let text = '';
  const chunks: ContextChunk[] = [];
  for (const p of ordered) {
    if (text) text += '\n';
    const charStart = text.length;
    text += render(p);
    chunks.push({ ...p.chunk, score: round(p.chunk.score), charStart, charEnd: text.length });
    text += '\n';
  }
  return { text, chunks };
}

function round(x: number): number { return Math.round(x * 1e4) / 1e4; }

/** Split lines of the files touched by one packing (a big file is split once, not once per chunk). */
let linesCache: { index: RepoIndex; version: number; files: Map<string, string[]> } | undefined;

function fileLines(index: RepoIndex, file: string): string[] | undefined {
  if (!linesCache || linesCache.index !== index || linesCache.version !== index.version) linesCache = { index, version: index.version, files: new Map() };
  let lines = linesCache.files.get(file);
  if (!lines) {
    const text = index.fileRecord(file)?.text;
    if (text === undefined) return undefined;
    lines = text.split('\n');
    if (linesCache.files.size > 2000) linesCache.files.clear();
    linesCache.files.set(file, lines);
  }
  return lines;
}

function lineRange(index: RepoIndex, file: string, start: number, end: number): string | undefined {
  const lines = fileLines(index, file);
  if (!lines) return undefined;
  return lines.slice(start - 1, end).map((l) => l.replace(/\r$/, '')).join('\n');
}

function selectionPiece(index: RepoIndex, file: string, sel: { startLine: number; endLine: number }, budget: number,
  count: (t: string) => number, score: number): Piece | undefined {
  const record = index.fileRecord(file);
  if (!record) return undefined;
  const start = Math.max(1, Math.min(sel.startLine, sel.endLine));
  let end = Math.min(record.lineCount, Math.max(sel.startLine, sel.endLine));
  if (start > end) return undefined;
  // Widen to the enclosing definition when it is small enough: a whole function explains a line better.
  const around = index.symbolAt(file, start);
  if (around && around.endLine >= end) {
    const p = redactedPiece({ file, startLine: around.startLine, endLine: around.endLine, kind: 'selection', score }, lineRange(index, file, around.startLine, around.endLine)!);
    p.tokens = count(render(p) + '\n');
    if (p.tokens <= budget / 2) return p;
  }
  // Otherwise the selected lines, halved from the end until they fit half the budget (or one line the budget).
  for (;;) {
    const p = redactedPiece({ file, startLine: start, endLine: end, kind: 'selection', score }, lineRange(index, file, start, end)!);
    p.tokens = count(render(p) + '\n');
    if (p.tokens <= budget / 2 || (end === start && p.tokens <= budget)) return p;
    if (end === start) return undefined;
    end = start + Math.floor((end - start) / 2);
  }
}

/** Signatures of a file's definitions not packed whole, one per line as `<line>: <first line of the definition>`. */
function outlinePiece(index: RepoIndex, file: string, score: number, keep: (d: SymbolDef) => boolean,
  count: (t: string) => number): Piece | undefined {
  const record = index.fileRecord(file);
  const defs: SymbolDef[] = index.definitionsIn(file).filter(keep).slice(0, MAX_OUTLINE_ENTRIES);
  if (!record || !defs.length) return undefined;
  const lines = fileLines(index, file)!;
  const body = defs.map((d) => {
    const sig = (lines[d.startLine - 1] ?? '').replace(/\r$/, '').trimEnd();
    const short = sig.length > MAX_SIGNATURE_CHARS ? sig.slice(0, MAX_SIGNATURE_CHARS) + ' ...' : sig;
    return `${d.startLine}: ${short}`;
  }).join('\n');
  const p = redactedPiece({ file, startLine: defs[0].startLine, endLine: Math.max(...defs.map((d) => d.startLine)), kind: 'outline', score }, body);
  p.tokens = count(render(p) + '\n');
  return p;
}
