// One file from path to IndexedFile: read and check the bytes, reuse the cached parse for the same content, or parse.
// Shared by the index workers and the in-process mode (workers: 0).
import { ContentCache } from './contentCache';
import { termTableFor } from './chunkTerms';
import { parseContent } from './fileParser';
import { TextLines } from './lineWindows';
import type { IndexedFile, ParsedContent } from './fileRecord';
import { readIndexable } from './fileReader';
import { languageForFile } from './languages';
import { PhaseClock, type LanguageSeconds, type PhaseSeconds } from './indexPhases';

export interface FileJob {
  file: string;   // root-relative
  abs: string;
  /** Hash the index already holds for this file: when the bytes still match, the worker answers 'unchanged'. */
  knownHash?: string;
}

/**
 * What became of one file. Every outcome has all four fields (fileOutcome() makes them, in one order): the server
 * thread and the workers read outcomes of every status in the same optimized code, which another hidden class for a
 * skipped file threw away (the first minified file of a build recompiled the worker's batch loop and the server's
 * merge).
 */
export type FileOutcome =
  | { file: string; status: 'indexed'; fromCache: boolean; record: IndexedFile; reason: '' }
  | { file: string; status: 'unchanged' | 'gone'; fromCache: false; record: undefined; reason: '' }
  | { file: string; status: 'skipped'; fromCache: false; record: undefined; reason: string };

/** An outcome; `record` for an indexed file only. */
export function fileOutcome(file: string, status: FileOutcome['status'], reason = '', record?: IndexedFile, fromCache = false): FileOutcome {
  return { file, status, fromCache, record, reason } as FileOutcome;
}

export interface IndexerSettings {
  cacheDir: string | null;
  maxFileBytes: number;
  /** Phases in CPU time rather than wall time (see indexPhases.ts; meaningful with workers: 0 only). */
  cpuClock?: boolean;
}

/** What a worker reports with each batch: seconds per phase and per language since its last report. */
export interface IndexerTimings { phases: PhaseSeconds; languages: Record<string, LanguageSeconds> }

export class FileIndexer {
  private readonly cache: ContentCache | null;
  private readonly clock: PhaseClock;
  /** A Map, not a record keyed by language: see languages.ts's SPEC_BY_ID. */
  private languages = new Map<string, LanguageSeconds>();

  constructor(private readonly settings: IndexerSettings) {
    this.cache = settings.cacheDir ? new ContentCache(settings.cacheDir) : null;
    this.clock = new PhaseClock(settings.cpuClock);
  }

  /** Resolves when the cache entries written so far have landed on disk. */
  flushCache(): Promise<void> { return this.cache?.flushed() ?? Promise.resolve(); }

  /** The time spent since the last call (and starts counting afresh). */
  takeTimings(): IndexerTimings {
    const languages = Object.fromEntries(this.languages);
    this.languages.clear();
    return { phases: this.clock.take(), languages };
  }

  async index(job: FileJob): Promise<FileOutcome> {
    const started = performance.now();
    this.clock.reset();
    const read = readIndexable(job.abs, this.settings.maxFileBytes);
    this.clock.lap('reading');
    // Read on every file, not only when one is skipped: a field first read after the code was optimized throws it away.
    const reason = read.reason;
    const status = read.status === 'gone' ? 'gone' : read.status === 'skip' ? 'skipped' : job.knownHash === read.hash ? 'unchanged' : 'indexed';
    let record: IndexedFile | undefined;
    let fromCache = false;
    if (status === 'indexed') {
      const language = languageForFile(job.file)?.id ?? 'text';
      const cached = this.cache?.get(read.hash, language);
      this.clock.lap('cacheReads');
      let content: ParsedContent | undefined = cached && { ...cached, termTable: termTableFor(new TextLines(read.text), cached.chunks) };
      if (content) this.clock.lap('terms');
      fromCache = !!content;
      if (!content) {
        try {
          content = await parseContent(job.file, read.text, language, this.clock);
        } catch (e) {
          // A grammar that cannot load must not lose the file: index it as plain text and say why.
          content = await parseContent(job.file, read.text, 'text');
          content.language = `text (${language} parser failed: ${(e as Error).message})`.slice(0, 200);
        }
        if (content.language === language) this.cache?.put(read.hash, language, content);
        this.clock.lap('cacheWrites');
      }
      let lang = this.languages.get(language);
      if (!lang) { lang = { files: 0, bytes: 0, seconds: 0 }; this.languages.set(language, lang); }
      lang.files++; lang.bytes += read.bytes; lang.seconds += (performance.now() - started) / 1000;
      if (fromCache) for (const d of content.defs) d.file = job.file;   // stored entries hold no path (storedContent.ts)
      // Field by field rather than a spread: one object shape, built without a runtime call per property.
      const c = content;
      record = { language: c.language, lineCount: c.lineCount, defs: c.defs, refs: c.refs, imports: c.imports,
        chunks: c.chunks, termTable: c.termTable, file: job.file, hash: read.hash, bytes: read.bytes, text: read.text };
    }
    // One call makes the outcome on every path: a call first made on a build's first skipped file (after the code
    // was optimized) throws the code away as well.
    return fileOutcome(job.file, status, reason, record, fromCache);
  }
}
