// The repository index: files -> definitions, references, imports and rankable chunks, kept current
// by incremental updates. Parsing happens in worker threads; this class only merges results, so the thread that
// owns it (the language server's) stays responsive while a large repository is indexed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultCacheDir, pruneCache } from './contentCache';
import { fileOutcome, type FileJob, type FileOutcome } from './fileIndexer';
import type { IndexedFile, SkippedFile, SymbolDef } from './fileRecord';
import { DEFAULT_MAX_FILE_BYTES, readIndexable } from './fileReader';
import { TextLines, textContent } from './lineWindows';
import { addPhases, emptyPhases, roundPhases, type LanguageSeconds, type PhaseSeconds } from './indexPhases';
import { LexicalIndex } from './lexicalIndex';
import { filesForQuestion, type QuestionHints } from './questionFiles';
import { SymbolGraph } from './symbolGraph';
import { IgnoreRules, resolvesInsideRoot, walkFiles } from './walker';
import { WorkerPool } from './workerPool';

export type { SymbolDef } from './fileRecord';

export interface IndexOptions {
  excludes?: string[];
  /** undefined: ~/.cache/unisparse/index/<root>; null: no on-disk cache. */
  cacheDir?: string | null;
  /** Worker threads (default: one per core, at most 8; 0 parses on the calling thread). */
  workers?: number;
  onProgress?: (done: number, total: number, file?: string) => void;
  signal?: AbortSignal;
  /** false turns off the built-in excludes (node_modules, dist, lock files, ...); for benchmarks. */
  defaultExcludes?: boolean;
  /** Secret-bearing file patterns left out (default: server/index/secretFiles.ts; [] indexes them). */
  secretFiles?: readonly string[];
  /** Files larger than this are skipped (default 1 MiB). */
  maxFileBytes?: number;
  /** Per-phase timings in CPU seconds instead of wall seconds (for profiling with workers: 0; see indexPhases.ts). */
  cpuPhaseClock?: boolean;
}

/** How much of the repository an index in progress holds (see RepoIndex.coverage). */
export interface IndexCoverage {
  /** Files parsed and in the index now. */
  indexedFiles: number;
  /** Files a question needed before their parse landed: in the index as plain line windows for now. */
  windowOnlyFiles: number;
  /** Files done, indexed or skipped (binary, too large, ...). */
  doneFiles: number;
  /** Files listed for indexing; undefined while the folders are still being listed. */
  totalFiles: number | undefined;
  indexedBytes: number;
  complete: boolean;
}

export interface IndexStats { files: number; bytes: number; symbols: number; seconds: number; languages: Record<string, number> }

/** Where the build's time went: seconds per phase and per language, summed over threads (see indexPhases.ts). */
export interface IndexTimings { phases: PhaseSeconds; languages: Record<string, LanguageSeconds> }

/** One worker per core: the main thread only merges results, in short slices. More than 8 buys little and costs memory. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, os.availableParallelism?.() ?? os.cpus().length));
}

export class RepoIndex {
  readonly root: string;
  readonly lexical = new LexicalIndex();
  readonly graph = new SymbolGraph();
  private readonly files = new Map<string, IndexedFile>();
  private readonly skippedFiles = new Map<string, string>();
  private readonly rules: IgnoreRules;
  private readonly pool: WorkerPool;
  private readonly opts: IndexOptions;
  private buildSeconds = 0;
  private cacheHits = 0;
  private cacheMisses = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private changeCount = 0;
  private readonly cacheDir: string | null;
  private pruning: Promise<number> | undefined;
  /** Main-thread phases (listing, merging, symbol graph); the workers' own are in the pool. */
  private readonly mainPhases = emptyPhases();
  private building: Promise<void> = Promise.resolve();
  private complete = false;
  /** Files a question needed before their parse landed, indexed as line windows meanwhile. */
  private readonly provisional = new Set<string>();
  /** Files the build listed (undefined until the listing is done). */
  private listed: number | undefined;

  private constructor(root: string, opts: IndexOptions) {
    this.root = root;
    this.opts = opts;
    this.rules = new IgnoreRules(root, opts);
    const cacheDir = opts.cacheDir === undefined ? defaultCacheDir(root) : opts.cacheDir;
    this.cacheDir = cacheDir;
    this.pool = new WorkerPool(opts.workers ?? defaultWorkerCount(), { cacheDir, maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, cpuClock: opts.cpuPhaseClock });
  }

  /** Indexes every file under `root`. Rejects with an AbortError when `opts.signal` fires. */
  static async build(root: string, opts: IndexOptions = {}): Promise<RepoIndex> {
    return RepoIndex.start(root, opts).whenComplete();
  }

  /**
   * Starts indexing every file under `root` and returns at once: the index answers from the files done so far
   * (`coverage()` says how many) and `whenComplete()` resolves when all are. Throws when `root` is not a folder.
   */
  static start(root: string, opts: IndexOptions = {}): RepoIndex {
    const abs = path.resolve(root);
    let st: fs.Stats;
    try { st = fs.statSync(abs); } catch {
      throw new Error(`Cannot index ${abs}: the folder does not exist. Pass an existing repository folder.`);
    }
    if (!st.isDirectory()) throw new Error(`Cannot index ${abs}: it is a file, not a folder. Pass the repository folder.`);
    const index = new RepoIndex(fs.realpathSync(abs), opts);
    index.building = (async () => {
      const started = performance.now();
      index.pool.prestart();   // the workers start while the folders are listed
      // The workers take files as the folders are listed (a large repository takes about half a second to list).
      const jobs: FileJob[] = [];
      const listing = walkFiles(index.root, index.rules, { signal: opts.signal, onFiles: (files) => {
        for (const f of files) jobs.push(index.job(f));
        index.pool.jobsAdded();
      } }).then((files) => {
        index.mainPhases.listing += (performance.now() - started) / 1000;
        index.listed = files.length;
      });
      await index.runJobs(jobs, opts.onProgress, opts.signal, true, listing);
      index.buildSeconds = (performance.now() - started) / 1000;
      index.complete = true;
      index.pruneCacheInBackground();
    })();
    index.building.catch(() => index.dispose());
    index.queue = index.building.catch(() => undefined);   // updates wait for the build
    return index;
  }

  /** Resolves when every file has been indexed (rejects when the build failed or was cancelled). */
  async whenComplete(): Promise<RepoIndex> {
    await this.building;
    return this;
  }

  get isComplete(): boolean { return this.complete; }

  /** How much of the repository the index holds: files done (indexed or skipped) of the files listed. */
  coverage(): IndexCoverage {
    let bytes = 0;
    for (const f of this.files.values()) bytes += f.bytes;
    const parsed = this.files.size - this.provisional.size;
    const done = parsed + this.skippedFiles.size;
    return { indexedFiles: parsed, windowOnlyFiles: this.provisional.size, doneFiles: this.complete ? this.listed ?? done : done,
      totalFiles: this.listed, indexedBytes: bytes, complete: this.complete };
  }

  /**
   * While the index is being built: finds the files not yet parsed that `question` is about (questionFiles.ts),
   * parses them before the rest and waits for them (at most `waitMs`, default 5 s). Those still not parsed by then
   * (a busy machine, a cold grammar) join the index as plain line windows from their text, so the answer can use
   * them; their parse replaces the windows when it lands. Returns the files moved forward. A complete index
   * returns at once.
   */
  async prepareForQuestion(question: string, hints: QuestionHints = {}, opts: { signal?: AbortSignal; waitMs?: number; scanMs?: number } = {}): Promise<string[]> {
    if (this.complete) return [];
    const listedBy = performance.now() + 10_000;
    while (this.listed === undefined && !this.complete && performance.now() < listedBy) await delay(20);   // listing takes a moment
    const until = performance.now() + (opts.waitMs ?? 5_000);
    const queued = this.pool.queued();
    if (!queued.length) {
      // Every file is already with a worker (a small repository, or the end of a large one): the index is moments
      // from complete, so wait for it rather than answer from nothing.
      while (!this.complete && performance.now() < until && !opts.signal?.aborted) await delay(25);
      return [];
    }
    const wanted = await filesForQuestion(this.root, queued, question, hints,
      { signal: opts.signal, maxMs: opts.scanMs, maxFileBytes: this.opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
    if (!wanted.length) return [];
    this.pool.prioritize(new Set(wanted));
    const done = (f: string) => (this.files.has(f) && !this.provisional.has(f)) || this.skippedFiles.has(f);
    while (!this.complete && performance.now() < until && !opts.signal?.aborted) {
      if (wanted.every(done)) break;
      await delay(25);
    }
    for (const f of wanted) {
      if (this.complete || opts.signal?.aborted) break;
      if (done(f) || this.files.has(f)) continue;
      const read = readIndexable(path.join(this.root, f), this.opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
      if (read.status !== 'ok') continue;
      const content = textContent(new TextLines(read.text));
      if (done(f)) continue;   // the parse landed meanwhile
      this.provisional.add(f);
      this.apply(fileOutcome(f, 'indexed', '', { ...content, file: f, hash: read.hash, bytes: read.bytes, text: read.text }), true);
      await new Promise((r) => setImmediate(r));
    }
    return wanted;
  }

  /** Files in the index as plain line windows only, waiting for their parse (see prepareForQuestion). */
  windowOnlyFiles(): string[] { return [...this.provisional]; }

  stats(): IndexStats {
    let bytes = 0; let symbols = 0;
    const languages: Record<string, number> = {};
    for (const f of this.files.values()) {
      bytes += f.bytes;
      symbols += f.defs.length;
      languages[f.language] = (languages[f.language] ?? 0) + 1;
    }
    return { files: this.files.size, bytes, symbols, seconds: Math.round(this.buildSeconds * 1000) / 1000, languages: sortKeys(languages) };
  }

  /** Seconds per phase and per language since the index was made (worker phases summed over the workers). */
  timings(): IndexTimings {
    const phases = emptyPhases();
    addPhases(phases, this.pool.phases);
    addPhases(phases, this.mainPhases);
    const languages = Object.fromEntries(Object.entries(this.pool.languages).sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([l, t]) => [l, { files: t.files, bytes: t.bytes, seconds: Math.round(t.seconds * 1000) / 1000 }]));
    return { phases: roundPhases(phases), languages };
  }

  /** Re-indexes changed or created files and folders and drops deleted ones (absolute paths; a rename is delete + change). */
  update(changed: string[], deleted: string[]): Promise<void> {
    const run = this.queue.then(() => this.applyUpdate(changed, deleted));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyUpdate(changed: string[], deleted: string[]): Promise<void> {
    const jobs: FileJob[] = [];
    for (const abs of deleted) {
      const rel = this.relative(abs);
      if (rel === undefined) continue;
      this.removeFile(rel);
      this.skippedFiles.delete(rel);
      const prefix = rel ? rel + '/' : '';
      for (const f of [...this.files.keys()]) if (f.startsWith(prefix)) this.removeFile(f);
      if (path.posix.basename(rel) === '.gitignore') await this.rescan(parentDir(rel), jobs);
    }
    for (const abs of changed) {
      const rel = this.relative(abs);
      if (rel === undefined || rel === '') continue;
      if (path.posix.basename(rel) === '.gitignore') await this.rescan(parentDir(rel), jobs);
      if (!resolvesInsideRoot(this.root, rel)) { this.removeFile(rel); continue; }   // a link out of the repository
      let st: fs.Stats;
      try { st = fs.statSync(path.join(this.root, rel)); } catch { this.removeFile(rel); continue; }
      if (st.isDirectory()) {
        if (this.rules.ignores(rel, true)) continue;
        for (const f of await walkFiles(this.root, this.rules, {}, rel)) jobs.push(this.job(f));
      } else if (this.rules.ignores(rel, false) || !st.isFile()) {
        this.removeFile(rel);
      } else {
        jobs.push(this.job(rel));
      }
    }
    if (jobs.length) await this.runJobs(jobs, undefined, undefined, false);   // the cache entries follow in the background
  }

  /**
   * A .gitignore changed: re-read it and re-list its folder. Files it now excludes leave the index, files it no
   * longer excludes are queued (files already indexed with the same bytes cost only a hash).
   */
  private async rescan(dir: string, jobs: FileJob[]): Promise<void> {
    this.rules.invalidate(dir);
    const listed = new Set(await walkFiles(this.root, this.rules, {}, dir));
    const prefix = dir ? dir + '/' : '';
    for (const f of [...this.files.keys()]) if (f.startsWith(prefix) && !listed.has(f)) this.removeFile(f);
    for (const f of listed) if (!this.files.has(f)) jobs.push(this.job(f));
  }

  /** Definitions in a file (root-relative or absolute path), in source order. */
  definitionsIn(file: string): SymbolDef[] {
    const f = this.files.get(this.relative(file) ?? file);
    return f ? f.defs.map((d) => ({ ...d })).sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine) : [];
  }

  /** The innermost definition containing a 1-based line. */
  symbolAt(file: string, line: number): SymbolDef | undefined {
    const f = this.files.get(this.relative(file) ?? file);
    let best: SymbolDef | undefined;
    for (const d of f?.defs ?? []) {
      if (d.startLine <= line && line <= d.endLine && (!best || d.endLine - d.startLine < best.endLine - best.startLine)) best = d;
    }
    return best ? { ...best } : undefined;
  }

  fileText(file: string): string | undefined {
    return this.files.get(this.relative(file) ?? file)?.text;
  }

  /** The indexed record of a file (for ranking and packing). */
  fileRecord(file: string): IndexedFile | undefined { return this.files.get(this.relative(file) ?? file); }

  /** Root-relative paths of all indexed files, sorted. */
  fileList(): string[] { return [...this.files.keys()].sort(); }

  /** Files left out, with the reason (binary, too large, minified, unreadable). */
  skipped(): SkippedFile[] {
    return [...this.skippedFiles].map(([file, reason]) => ({ file, reason })).sort((a, b) => (a.file < b.file ? -1 : 1));
  }

  /** How many parses the on-disk cache saved (since build) and how many it could not. */
  cacheStats(): { hits: number; misses: number } { return { hits: this.cacheHits, misses: this.cacheMisses }; }

  /**
   * The background cache clean-up started after the build (resolves to the number of files removed; 0 without a
   * cache). Entries of edited and deleted files would otherwise accumulate forever.
   */
  cachePruned(): Promise<number> { return this.pruning ?? Promise.resolve(0); }

  private pruneCacheInBackground(): void {
    if (!this.cacheDir) return;
    const keep = new Set<string>();
    for (const f of this.files.values()) keep.add(`${f.hash}.${f.language}`);
    this.pruning = pruneCache(path.join(this.cacheDir), keep).catch(() => 0);
  }

  /** Bumps on every change to the indexed content (ranking caches key on it). */
  get version(): number { return this.changeCount; }

  dispose(): void { this.pool.dispose(); }

  private job(rel: string): FileJob {
    return { file: rel, abs: path.join(this.root, rel), knownHash: this.files.get(rel)?.hash };
  }

  /** With `listing`, `jobs` grows until it resolves; progress is reported from then on (against the final total). */
  private async runJobs(jobs: FileJob[], onProgress?: IndexOptions['onProgress'], signal?: AbortSignal, awaitCache = true,
    listing?: Promise<void>): Promise<void> {
    let done = 0;
    let listed = !listing;
    if (listed) onProgress?.(0, jobs.length);
    listing?.then(() => { listed = true; onProgress?.(done, jobs.length); }, () => undefined);
    await this.pool.run(jobs, (o) => {
      this.apply(o);
      done++;
      if (listed) onProgress?.(done, jobs.length, o.file);
    }, signal, awaitCache, listing);
  }

  private apply(o: FileOutcome, provisional = false): void {
    if (!provisional) this.provisional.delete(o.file);
    switch (o.status) {
      case 'indexed':
        if (provisional) { /* not a parse: counts neither as a cache hit nor a miss */ } else if (o.fromCache) this.cacheHits++; else this.cacheMisses++;
        // add() replaces a file's previous entries itself (the graph keeps its cache when the names stay the same).
        this.skippedFiles.delete(o.file);
        this.files.set(o.file, o.record);
        {
          const t0 = performance.now();
          this.lexical.add(o.file, o.record.chunks, o.record.termTable);
          const t1 = performance.now();
          this.graph.add(o.record);
          this.mainPhases.merging += (t1 - t0) / 1000;
          this.mainPhases.symbolGraph += (performance.now() - t1) / 1000;
        }
        o.record.chunks = [];   // now held by the lexical index
        this.changeCount++;
        break;
      case 'skipped':
        this.removeFile(o.file);
        this.skippedFiles.set(o.file, o.reason);
        break;
      case 'gone':
        this.removeFile(o.file);
        break;
      case 'unchanged':
        break;
    }
  }

  private removeFile(rel: string): void {
    if (!this.files.delete(rel)) return;
    this.lexical.remove(rel);
    this.graph.remove(rel);
    this.changeCount++;
  }

  /** Root-relative '/' path for an absolute or relative path inside the root; undefined outside it. */
  private relative(p: string): string | undefined {
    if (!path.isAbsolute(p)) return p.split(path.sep).join('/').replace(/^\.\//, '');
    let rel = path.relative(this.root, p);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      // The caller may use the unresolved path of a symlinked root.
      try { rel = path.relative(this.root, fs.realpathSync(p)); } catch {
        try { rel = path.join(path.relative(this.root, fs.realpathSync(path.dirname(p))), path.basename(p)); } catch { return undefined; }
      }
      if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    }
    return rel.split(path.sep).join('/');
  }
}

function delay(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

function parentDir(rel: string): string {
  const dir = path.posix.dirname(rel);
  return dir === '.' ? '' : dir;
}

function sortKeys(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
}
