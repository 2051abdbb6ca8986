/**
 * Owns the workspace's RepoIndex: builds it when the server starts (with LSP work-done progress, so VS Code
 * draws it), applies file-watcher events in small debounced batches, rebuilds on request, and says what state
 * it is in for `unisparse/status`. Everyone else asks it for the current index and never builds one.
 */
import * as path from 'path';
import type { RepoIndex } from '../index/repoIndex';
import { loadRepoIndex } from './backends';

export type IndexState = 'idle' | 'indexing' | 'ready';

export interface ProgressSink {
  begin(title: string): void;
  report(percentage: number, message: string): void;
  done(): void;
}

export interface WorkspaceIndexOptions {
  root: string | undefined;
  excludes: () => string[];
  /** Called after every build or update, e.g. to ask the client to refresh code lenses. */
  onChanged: () => void;
  progress: () => Promise<ProgressSink>;
  log: (message: string) => void;
}

/** Folders whose file events never matter to the index (and would flood it during builds). */
const NOISE = /(^|\/)(\.git|node_modules|\.vscode-test|dist|build|native\/build)(\/|$)/;

export class WorkspaceIndex {
  private index: RepoIndex | undefined;
  private building: Promise<RepoIndex | undefined> | undefined;
  /** The index being built, which can already answer from the files done so far. */
  private inProgress: RepoIndex | undefined;
  private abort: AbortController | undefined;
  private problem: string | undefined;
  private pendingChanged = new Set<string>();
  private pendingDeleted = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private lastSeconds = 0;

  constructor(private readonly opts: WorkspaceIndexOptions) {}

  get state(): IndexState { return this.building ? 'indexing' : this.index ? 'ready' : 'idle'; }
  get current(): RepoIndex | undefined { return this.index; }
  /** Why there is no index (no folder open, index module missing, build failed). */
  get unavailableReason(): string | undefined { return this.problem; }
  get root(): string | undefined { return this.opts.root; }

  counts(): { files: number; symbols: number } {
    const s = this.index?.stats();
    return { files: s?.files ?? 0, symbols: s?.symbols ?? 0 };
  }

  /** The index, waiting for a build in progress; undefined (with unavailableReason) when there is none. */
  async ready(): Promise<RepoIndex | undefined> {
    if (this.building) await this.building;
    return this.index;
  }

  /**
   * The index a question should use: the complete one, or else the one being built (it answers from what it has
   * indexed so far and parses the files the question is about first); waits only when neither exists yet.
   */
  async forQuestion(): Promise<RepoIndex | undefined> {
    return this.index ?? this.inProgress ?? this.ready();
  }

  /** Builds (or rebuilds, ignoring the on-disk cache when `fresh`) the index. */
  build(fresh = false): Promise<RepoIndex | undefined> {
    const root = this.opts.root;
    if (!root) { this.problem = 'No folder is open: open the repository as a folder to index it.'; return Promise.resolve(undefined); }
    const loaded = loadRepoIndex();
    if (!loaded.ok) { this.problem = loaded.reason; this.opts.log(loaded.reason); return Promise.resolve(undefined); }
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const started = Date.now();
    const run = (async () => {
      const progress = await this.opts.progress().catch(() => undefined);
      progress?.begin('UniSparse: indexing the repository');
      let lastReport = 0;
      try {
        const building = loaded.module.RepoIndex.start(root, {
          excludes: this.opts.excludes(),
          cacheDir: fresh ? null : undefined,
          signal: abort.signal,
          onProgress: (done, total) => {
            const now = Date.now();
            if (now - lastReport < 200 && done < total) return;
            lastReport = now;
            progress?.report(total ? Math.floor((100 * done) / total) : 0, `${done}/${total} files`);
          },
        });
        this.inProgress = building;
        const next = await building.whenComplete().finally(() => { if (this.inProgress === building) this.inProgress = undefined; });
        if (abort.signal.aborted) { next.dispose(); return this.index; }
        this.index?.dispose();
        this.index = next;
        this.problem = undefined;
        this.lastSeconds = (Date.now() - started) / 1000;
        const s = next.stats();
        this.opts.log(`Indexed ${s.files} files (${s.symbols} symbols) in ${this.lastSeconds.toFixed(1)} s.`);
        this.opts.onChanged();
        return next;
      } catch (e) {
        if (!abort.signal.aborted) {
          this.problem = `Indexing ${root} failed: ${e instanceof Error ? e.message : String(e)}`;
          this.opts.log(this.problem);
        }
        return this.index;
      } finally {
        progress?.done();
      }
    })();
    this.building = run;
    void run.finally(() => { if (this.building === run) this.building = undefined; });
    return run;
  }

  async rebuild(): Promise<{ files: number; seconds: number }> {
    await this.build(true);
    if (!this.index) throw new Error(this.problem ?? 'The index could not be built.');
    return { files: this.index.stats().files, seconds: this.lastSeconds };
  }

  /** File-watcher events (absolute paths); applied together 300 ms after the last one. */
  fileEvents(changed: string[], deleted: string[]): void {
    const root = this.opts.root;
    if (!root) return;
    const keep = (p: string) => {
      const rel = path.relative(root, p).split(path.sep).join('/');
      return !rel.startsWith('..') && !NOISE.test(rel);
    };
    for (const p of changed.filter(keep)) { this.pendingChanged.add(p); this.pendingDeleted.delete(p); }
    for (const p of deleted.filter(keep)) { this.pendingDeleted.add(p); this.pendingChanged.delete(p); }
    if (!this.pendingChanged.size && !this.pendingDeleted.size) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => void this.flush(), 300);
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const index = await this.ready();
    const changed = [...this.pendingChanged];
    const deleted = [...this.pendingDeleted];
    this.pendingChanged.clear();
    this.pendingDeleted.clear();
    if (!index || (!changed.length && !deleted.length)) return;
    try {
      await index.update(changed, deleted);
      this.opts.onChanged();
    } catch (e) {
      this.opts.log(`Updating the index failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.abort?.abort();
    this.index?.dispose();
    this.index = undefined;
  }
}
