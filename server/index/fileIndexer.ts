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

export type FileOutcome =
  | { file: string; status: 'indexed'; record: IndexedFile; fromCache: boolean }
  | { file: string; status: 'unchanged' }
  | { file: string; status: 'skipped'; reason: string }
  | { file: string; status: 'gone' };

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
  private languages: Record<string, LanguageSeconds> = {};

  constructor(private readonly settings: IndexerSettings) {
    this.cache = settings.cacheDir ? new ContentCache(settings.cacheDir) : null;
    this.clock = new PhaseClock(settings.cpuClock);
  }

  /** Resolves when the cache entries written so far have landed on disk. */
  flushCache(): Promise<void> { return this.cache?.flushed() ?? Promise.resolve(); }

  /** The time spent since the last call (and starts counting afresh). */
  takeTimings(): IndexerTimings {
    const languages = this.languages;
    this.languages = {};
    return { phases: this.clock.take(), languages };
  }

  async index(job: FileJob): Promise<FileOutcome> {
    const started = performance.now();
    this.clock.reset();
    const read = readIndexable(job.abs, this.settings.maxFileBytes);
    this.clock.lap('reading');
    // Read on every file, not only when one is skipped: a field first read after the code was optimized throws it away.
    const reason = read.reason;
    if (read.status === 'gone') return { file: job.file, status: 'gone' };
    if (read.status === 'skip') return { file: job.file, status: 'skipped', reason };
    if (job.knownHash === read.hash) return { file: job.file, status: 'unchanged' };
    const language = languageForFile(job.file)?.id ?? 'text';
    const cached = this.cache?.get(read.hash, language);
    this.clock.lap('cacheReads');
    let content: ParsedContent | undefined = cached && { ...cached, termTable: termTableFor(new TextLines(read.text), cached.chunks) };
    if (content) this.clock.lap('terms');
    const fromCache = !!content;
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
    const lang = (this.languages[language] ??= { files: 0, bytes: 0, seconds: 0 });
    lang.files++; lang.bytes += read.bytes; lang.seconds += (performance.now() - started) / 1000;
    if (fromCache) for (const d of content.defs) d.file = job.file;   // stored entries hold no path (storedContent.ts)
    // Field by field rather than a spread: one object shape, built without a runtime call per property.
    const c = content;
    const record: IndexedFile = { language: c.language, lineCount: c.lineCount, defs: c.defs, refs: c.refs, imports: c.imports,
      chunks: c.chunks, termTable: c.termTable, file: job.file, hash: read.hash, bytes: read.bytes, text: read.text };
    return { file: job.file, status: 'indexed', fromCache, record };
  }
}
