// Which files not yet parsed a question is about, found with a fast lexical pass while the index is still being
// built: files the question names (by file name, path, or the active file and focus) first, then files whose text
// holds the question's words, code names weighing most. The index parses these before the rest, so a question asked
// seconds after start is answered from the code it is about. The pass reads files on the calling thread in short
// slices, so the language server keeps answering other requests; what it has not scanned by its deadline is
// simply not moved forward.
import * as fs from 'fs';
import * as path from 'path';
import { questionIdentifiers, questionTerms } from './terms';

export interface QuestionHints { activeFile?: string; focusFile?: string; focusFolder?: string }

export interface QuestionFileOptions {
  signal?: AbortSignal;
  /** Stop scanning file contents after this long (default 1500 ms); names are always checked. */
  maxMs?: number;
  /** At most this many files, and about this many bytes, are moved forward (defaults 48 and 1.5 MB: a few seconds of parsing). */
  maxFiles?: number;
  maxBytes?: number;
  maxFileBytes?: number;
}

const SLICE_MS = 8;

/** A code name as written (`git_repository_open`, `loadTokenizer`), which says more than a plain word. */
function looksLikeCode(word: string): boolean { return /[a-z][A-Z]|_|[0-9]|^[A-Z][a-z]+[A-Z]/.test(word); }

function escapeRegExp(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

/** Files of `pending` (root-relative) to parse first for `question`, most relevant first. */
export async function filesForQuestion(root: string, pending: string[], question: string, hints: QuestionHints = {},
  opts: QuestionFileOptions = {}): Promise<string[]> {
  const maxFiles = opts.maxFiles ?? 48;
  const maxBytes = opts.maxBytes ?? 1_500_000;
  const deadline = performance.now() + (opts.maxMs ?? 1500);
  const identifiers = questionIdentifiers(question).filter((w) => w.length >= 3);
  const code = identifiers.filter(looksLikeCode);
  const words = [...new Set([...questionTerms(question).filter((t) => t.length >= 4), ...code.map((w) => w.toLowerCase())])];
  const nameKeys = new Set([...identifiers.map((w) => w.toLowerCase()), ...words]);
  const scores = new Map<string, number>();
  const sizes = new Map<string, number>();

  // Names: the file's name without extension, or a path the question writes out.
  const lowerQuestion = question.toLowerCase();
  for (const file of pending) {
    const stem = path.posix.basename(file).replace(/\.[^.]+$/, '').toLowerCase();
    let score = 0;
    if (nameKeys.has(stem) || (file.includes('/') && lowerQuestion.includes(file.toLowerCase()))) score += 1000;
    if (hints.activeFile === file || hints.focusFile === file) score += 1000;
    if (hints.focusFolder && hints.focusFolder !== '.' && file.startsWith(hints.focusFolder.replace(/\/$/, '') + '/')) score += 500;
    if (score) scores.set(file, score);
  }

  // Words: one case-insensitive pass per file for all the question's words.
  if (words.length) {
    const pattern = new RegExp(words.map(escapeRegExp).join('|'), 'gi');
    const weight = new Map(words.map((w) => [w, code.some((c) => c.toLowerCase() === w) ? 50 : 10]));
    let sliceEnd = performance.now() + SLICE_MS;
    for (const file of pending) {
      if (opts.signal?.aborted || performance.now() > deadline) break;
      let text: string;
      try {
        const abs = path.join(root, file);
        const st = fs.statSync(abs);
        if (!st.isFile() || st.size > (opts.maxFileBytes ?? 1024 * 1024)) continue;
        text = fs.readFileSync(abs, 'latin1');   // bytes as characters: cheap, and the words are ASCII
        sizes.set(file, st.size);
      } catch { continue; }
      const seen = new Set<string>();
      let hits = 0;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m && hits < 200; m = pattern.exec(text)) { seen.add(m[0].toLowerCase()); hits++; }
      if (seen.size) {
        let score = Math.min(hits, 20);
        for (const w of seen) score += weight.get(w) ?? 10;
        scores.set(file, (scores.get(file) ?? 0) + score);
      }
      if (performance.now() > sliceEnd) {
        await new Promise((r) => setImmediate(r));
        sliceEnd = performance.now() + SLICE_MS;
      }
    }
  }

  const ranked = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([f]) => f);
  const out: string[] = [];
  let bytes = 0;
  for (const f of ranked) {
    if (out.length >= maxFiles || bytes >= maxBytes) break;
    out.push(f);
    bytes += sizes.get(f) ?? 0;
  }
  return out;
}
