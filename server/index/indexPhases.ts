// Where indexing time goes: seconds per phase and per language, summed over the threads that did the work (two
// workers parsing for 3 s each report 6 s of parsing in a 3 s build). The workers send their totals with every
// batch; `unisparse index --json` and `npm run bench:index` print them.

export const PHASES = [
  'listing',       // walking the folders (main thread)
  'reading',       // open, read, NUL and long-line checks, sha1, UTF-8 decoding
  'cacheReads',    // looking up and decoding on-disk cache entries
  'skeleton',      // the lexical pass that blanks definition-free bodies (codeSkeleton.ts)
  'grammars',      // loading and compiling grammar wasm and queries (once per language and worker)
  'parsing',       // tree-sitter (with the addon's indexing helpers, parse and query in one native call)
  'queries',       // tree-sitter queries over a kept tree (the npm binding or wasm)
  'chunking',      // definitions -> chunks, line windows
  'terms',         // BM25 term tables
  'cacheWrites',   // writing on-disk cache entries
  'merging',       // the main thread taking results into the lexical index
  'symbolGraph',   // the main thread taking results into the symbol graph
] as const;

export type Phase = typeof PHASES[number];
export type PhaseSeconds = Record<Phase, number>;
export interface LanguageSeconds { files: number; bytes: number; seconds: number }

export function emptyPhases(): PhaseSeconds {
  return Object.fromEntries(PHASES.map((p) => [p, 0])) as PhaseSeconds;
}

export function addPhases(into: PhaseSeconds, from: Partial<PhaseSeconds>): void {
  for (const p of PHASES) into[p] += from[p] ?? 0;
}

export function addLanguages(into: Record<string, LanguageSeconds>, from: Record<string, LanguageSeconds>): void {
  for (const [lang, s] of Object.entries(from)) {
    const t = (into[lang] ??= { files: 0, bytes: 0, seconds: 0 });
    t.files += s.files; t.bytes += s.bytes; t.seconds += s.seconds;
  }
}

/**
 * Charges the time since the previous lap to a phase. Wall time by default; `cpu` counts the process's CPU time
 * instead, which a busy machine does not inflate but which adds up every thread: use it with workers: 0 only.
 */
export class PhaseClock {
  readonly seconds = emptyPhases();
  private readonly now: () => number;
  private last: number;

  constructor(cpu = false) {
    this.now = cpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
    this.last = this.now();
  }

  /** Restarts the lap without charging anything (time between files, waiting for messages). */
  reset(): void { this.last = this.now(); }

  lap(phase: Phase): number {
    const now = this.now();
    const s = (now - this.last) / 1000;
    this.seconds[phase] += s;
    this.last = now;
    return s;
  }

  /** The totals so far, and zeroes them (what a worker sends with a batch). */
  take(): PhaseSeconds {
    const out = { ...this.seconds };
    for (const p of PHASES) this.seconds[p] = 0;
    return out;
  }
}

/** Seconds rounded to milliseconds, for printing. */
export function roundPhases(p: PhaseSeconds): PhaseSeconds {
  return Object.fromEntries(PHASES.map((k) => [k, Math.round(p[k] * 1000) / 1000])) as PhaseSeconds;
}
