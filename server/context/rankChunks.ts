// Ranks the repository's chunks for a question: BM25 over chunk terms (what the question says) combined with
// personalised PageRank over the file graph (what the named code depends on), plus direct boosts for definitions
// whose name the question spells out and for the active file, focus and selection.
import type { RepoIndex } from '../index/repoIndex';
import { forEachTerm, questionIdentifiers, questionTerms } from '../index/terms';
import { personalisedPageRank } from './pageRank';

export interface RankRequest {
  question: string;
  activeFile?: string;
  selection?: { startLine: number; endLine: number };
  focus?: { file?: string; folder?: string };
}

export interface RankedChunk {
  file: string;
  kind: 'definition' | 'window';
  startLine: number;
  endLine: number;
  name?: string;
  score: number;
}

const WEIGHT_BM25 = 0.55;
const WEIGHT_PAGERANK = 0.35;
const BOOST_EXACT_NAME = 0.6;
const BOOST_NAME_PART = 0.25;
const BOOST_ACTIVE = 0.3;
/** Chunks of a file whose name the question spells out ("block selection" -> block_selection.cpp). */
const BOOST_FILE_NAME = 0.3;
const BOOST_README = 0.1;
/** Chunks of this many top PageRank files are candidates even without a lexical hit (dependencies). */
const PAGERANK_FILES = 40;
/** A name defined in more files than this is too common to seed the walk. */
const MAX_SEED_DEFINERS = 12;

export function rankChunks(index: RepoIndex, req: RankRequest): RankedChunk[] {
  const identifiers = questionIdentifiers(req.question);
  const terms = questionTerms(req.question);
  // Adjacent words may name one identifier: "load tokenizer" -> loadtokenizer (camelCase) and load_tokenizer
  // (snake_case, which also matches a file named block_selection.cpp for "block selection").
  const words = req.question.toLowerCase().match(/[a-z0-9_]+/g) ?? [];
  for (let i = 0; i + 1 < words.length; i++) terms.push(words[i] + words[i + 1], `${words[i]}_${words[i + 1]}`);
  const activeFile = req.activeFile ? normalise(index, req.activeFile) : undefined;
  const focusFile = req.focus?.file ? normalise(index, req.focus.file) : undefined;
  const focusFolder = req.focus?.folder ? normalise(index, req.focus.folder).replace(/\/?$/, '/') : undefined;

  // The selection's identifiers count as part of the question.
  const selectionTerms: string[] = [];
  if (activeFile && req.selection) {
    const text = index.fileText(activeFile);
    if (text) {
      const lines = text.split('\n').slice(Math.max(0, req.selection.startLine - 1), req.selection.endLine).join('\n');
      forEachTerm(lines, (t) => selectionTerms.push(t));
    }
  }

  const seeds = new Map<string, number>();
  const seed = (file: string, w: number) => seeds.set(file, (seeds.get(file) ?? 0) + w);
  // A plain English word that happens to name something ("selection", "done") is weaker evidence than an
  // identifier written as code (camelCase, snake_case, digits) or two words that spell one ("block selection").
  const nameBoost = new Map<string, number>();
  const boostName = (name: string, boost: number) => nameBoost.set(name, Math.max(nameBoost.get(name) ?? 0, boost));
  for (const id of identifiers) {
    const exact = index.graph.definingFiles(id);
    const loose = exact.length ? exact : index.graph.definingFilesIgnoreCase(id);
    if (loose.length && loose.length <= MAX_SEED_DEFINERS) {
      for (const f of loose) seed(f, 3 / loose.length);
      boostName(id.toLowerCase(), looksLikeCode(id) ? BOOST_EXACT_NAME : BOOST_NAME_PART);
    }
  }
  for (const t of terms) {
    const files = index.graph.definingFilesIgnoreCase(t);
    if (files.length && files.length <= MAX_SEED_DEFINERS) {
      for (const f of files) seed(f, 1 / files.length);
      boostName(t, identifiers.includes(t) ? BOOST_NAME_PART : BOOST_EXACT_NAME);
    }
  }
  // `req.is`, `Router.route`, `app.config.get`: a member written with its object names one definition even when the
  // member's own name is a common word ("is", "get"): the definition of that name whose container is that object.
  const members = new Set<string>();
  for (const m of req.question.matchAll(MEMBER)) {
    const parts = m[0].split('.').filter((p) => p !== 'prototype');
    if (parts.length < 2) continue;
    const [object, name] = parts.slice(-2);
    for (const f of index.graph.definingFiles(name)) {
      for (const d of index.definitionsIn(f)) {
        if (d.name !== name || !d.container || (d.container !== object && !d.container.endsWith('.' + object))) continue;
        members.add(memberKey(f, name, d.endLine));
        seed(f, 3);
      }
    }
  }
  const written = [...req.question.matchAll(MEMBER)].map((m) => m[0]);
  const quoted = quotedLiterals(req.question);
  const verbatim = verbatimHits(index, [...quoted, ...written, ...identifiers.filter(looksLikeCode)], new Set(quoted));
  const termSet = new Set(terms);
  const namedFiles = new Set<string>();
  for (const f of index.fileList()) {
    const base = f.slice(f.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '').toLowerCase();
    if (termSet.has(base)) { seed(f, 1); namedFiles.add(f); }
    if (focusFolder && f.startsWith(focusFolder)) seed(f, 0.2);
  }
  if (activeFile) seed(activeFile, 3);
  if (focusFile) seed(focusFile, 3);
  const selectionCounts = new Map<string, number>();
  for (const t of selectionTerms) selectionCounts.set(t, (selectionCounts.get(t) ?? 0) + 1);
  for (const [t] of selectionCounts) {
    const files = index.graph.definingFilesIgnoreCase(t);
    if (files.length && files.length <= MAX_SEED_DEFINERS) for (const f of files) seed(f, 0.5 / files.length);
  }

  const pr = personalisedPageRank(index.graph.fileGraph(), seeds);
  const maxPr = Math.max(0, ...pr.values()) || 1;
  const bm25 = index.lexical.search([...terms, ...selectionCounts.keys()]);
  let maxBm25 = 0;
  for (const s of bm25.values()) if (s > maxBm25) maxBm25 = s;
  maxBm25 ||= 1;

  const candidates = new Set<number>(bm25.keys());
  for (const id of verbatim.keys()) candidates.add(id);
  const topFiles = [...pr.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, PAGERANK_FILES).map(([f]) => f);
  for (const f of [...topFiles, ...seeds.keys()]) for (const c of index.lexical.chunksOf(f)) candidates.add(c.id);

  const ranked: RankedChunk[] = [];
  for (const id of candidates) {
    const c = index.lexical.chunk(id);
    if (!c) continue;
    let score = WEIGHT_BM25 * (bm25.get(id) ?? 0) / maxBm25 + WEIGHT_PAGERANK * (pr.get(c.file) ?? 0) / maxPr;
    if (c.name) {
      const lower = c.name.toLowerCase();
      score += members.has(memberKey(c.file, c.name, c.endLine)) ? BOOST_EXACT_NAME : nameBoost.get(lower) ?? (termSet.has(lower) ? BOOST_NAME_PART : 0);
    }
    score += BOOST_VERBATIM * (verbatim.get(id) ?? 0);
    if (namedFiles.has(c.file) && c.kind === 'definition') score += BOOST_FILE_NAME;
    if (c.file === activeFile || c.file === focusFile || (focusFolder && c.file.startsWith(focusFolder))) score += BOOST_ACTIVE;
    if (/(^|\/)readme(\.[a-z]+)?$/i.test(c.file)) score += BOOST_README;
    if (score > 0) ranked.push({ file: c.file, kind: c.kind, startLine: c.startLine, endLine: c.endLine, name: c.name, score });
  }
  ranked.sort(compareRanked);
  boostCallees(index, ranked);
  ranked.sort(compareRanked);
  return ranked;
}

/**
 * A chunk that holds, as written, a string the question quotes ('x-powered-by', "query parser"), a member it writes
 * with its object (proxyaddr.all) or an identifier it spells as code (PROPAGATE_EXCEPTIONS, find_app_by_string). Term tables split both into words, so BM25 alone ranks
 * any chunk that uses the words apart (every `url` and `scheme`) with the one line that sets the key.
 */
const BOOST_VERBATIM = 0.5;
/** A literal written in more chunks than this is spread thin: each holder gets a share of the boost. */
const VERBATIM_PLACES = 3;
const MAX_VERBATIM_CANDIDATES = 2000;
/** Text between matching quotes that stand apart from words (not the apostrophe of "Flask's"). */
const QUOTED = /(?:^|[\s(])(['"`])([^'"`\n]{2,80}?)\1(?=$|[\s),.?!:;])/g;

function quotedLiterals(question: string): string[] {
  return [...question.matchAll(QUOTED)].map((m) => m[2]);
}

/** Chunk id -> share of the verbatim boost (1 for a literal found in at most VERBATIM_PLACES chunks). */
function verbatimHits(index: RepoIndex, literals: string[], quoted: ReadonlySet<string>): Map<number, number> {
  const hits = new Map<number, number>();
  for (const literal of new Set(literals)) {
    // Chunks whose terms include every word of the literal (each word whole: its parts add no selectivity, only
    // searches), then the literal itself in their text.
    let ids: number[] | undefined;
    const words = new Set((literal.match(IDENTIFIER) ?? []).map((w) => questionTerms(w)[0]).filter((t) => t !== undefined));
    for (const t of words) {
      const has = index.lexical.search([t]);
      ids = (ids ?? [...has.keys()]).filter((id) => has.has(id));
    }
    // Words found that widely say little, and reading every chunk's text would cost more than ranking.
    if (!ids || ids.length > MAX_VERBATIM_CANDIDATES) continue;
    // A quoted literal is looked for as a string first ('etag' is the setting, etag() a function).
    const forms = quoted.has(literal) ? [[`'${literal}'`, `"${literal}"`, `\`${literal}\``], [literal]] : [[literal]];
    const found: number[] = [];
    for (const form of forms) {
      const where = new Map<string, number[]>();   // file -> lines holding the literal
      for (const id of ids) {
        const c = index.lexical.chunk(id);
        if (!c) continue;
        let lines = where.get(c.file);
        if (!lines) { lines = linesHolding(index.fileText(c.file) ?? '', form); where.set(c.file, lines); }
        if (lines.some((l) => l >= c.startLine && l <= c.endLine)) found.push(id);
      }
      if (found.length) break;
    }
    const share = Math.min(1, VERBATIM_PLACES / found.length);
    for (const id of found) hits.set(id, Math.max(hits.get(id) ?? 0, share));
  }
  return hits;
}

/** The 1-based lines of `text` where any of `forms` starts (one pass per form, no split into lines). */
function linesHolding(text: string, forms: string[]): number[] {
  const lines: number[] = [];
  for (const form of forms) {
    let line = 1; let counted = 0;
    for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + form.length)) {
      for (let nl = text.indexOf('\n', counted); nl >= 0 && nl < at; nl = text.indexOf('\n', nl + 1)) { line++; counted = nl + 1; }
      lines.push(line);
    }
  }
  return lines;
}

/** A member as code writes it, `res.send`, `app.router.use`, `Foo.prototype.bar`: its last two names count. */
const MEMBER = /[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+/g;

function memberKey(file: string, name: string, endLine: number): string { return `${file}\0${name}\0${endLine}`; }

/** Top chunks whose callees get a boost: the code a relevant function calls is needed to explain it. */
const CALLER_CHUNKS = 8;
const BOOST_CALLEE = 0.45;
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/**
 * Symbol-level step of the graph ranking: the definitions named inside the best chunks (calls, types) are pulled
 * up in proportion to the caller's score. Names defined in more than 3 files are too ambiguous to follow.
 */
function boostCallees(index: RepoIndex, ranked: RankedChunk[]): void {
  if (!ranked.length) return;
  const top = ranked[0].score;
  const byKey = new Map<string, RankedChunk>();
  for (const r of ranked) if (r.name) byKey.set(`${r.file}\0${r.name}\0${r.startLine}`, r);
  const boosts = new Map<RankedChunk, number>();
  for (const caller of ranked.slice(0, CALLER_CHUNKS)) {
    if (caller.kind !== 'definition') continue;
    const lines = index.fileText(caller.file)?.split('\n').slice(caller.startLine - 1, caller.endLine).join('\n') ?? '';
    const names = new Set(lines.match(IDENTIFIER) ?? []);
    names.delete(caller.name ?? '');
    for (const name of names) {
      const files = index.graph.definingFiles(name);
      if (!files.length || files.length > 3) continue;
      {
        for (const c of index.lexical.definitionsNamed(name)) {
          if (c.file === caller.file && c.startLine >= caller.startLine && c.endLine <= caller.endLine) continue;
          let target = byKey.get(`${c.file}\0${c.name}\0${c.startLine}`);
          if (!target) {
            target = { file: c.file, kind: c.kind, startLine: c.startLine, endLine: c.endLine, name: c.name, score: 0 };
            byKey.set(`${c.file}\0${c.name}\0${c.startLine}`, target);
            ranked.push(target);
          }
          boosts.set(target, Math.max(boosts.get(target) ?? 0, BOOST_CALLEE * caller.score / top));
        }
      }
    }
  }
  for (const [r, b] of boosts) r.score += b;
}

/** An identifier written as code: an inner capital, an underscore or a digit (not a plain English word). */
function looksLikeCode(word: string): boolean {
  return /[a-z][A-Z]|_|[0-9]|^[A-Z][a-z]+[A-Z]/.test(word);
}

/** Score descending, then path and line: a total order, so packing is deterministic. */
export function compareRanked(a: RankedChunk, b: RankedChunk): number {
  return b.score - a.score || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.startLine - b.startLine || a.endLine - b.endLine;
}

function normalise(index: RepoIndex, p: string): string {
  const rel = index.fileRecord(p)?.file;
  if (rel) return rel;
  const abs = p.startsWith(index.root + '/') ? p.slice(index.root.length + 1) : p;
  return abs.replace(/\\/g, '/').replace(/^\.\//, '');
}
