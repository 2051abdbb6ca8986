/**
 * The language server's view of the subsystems it drives: the repository index (contract D, server/index) and
 * the ask pipeline (contract E, server/ask). They are loaded with guarded
 * requires so that the server starts, answers `unisparse/status` and explains what is missing even when one of
 * them is not built into this bundle, or fails to load.
 *
 * The interfaces below are the parts of contracts D and E that the server uses.
 */
import type { AnswerDelta, AnswerResult, SelectionResult } from '../protocol/protocol';

export interface SymbolDefLike {
  name: string;
  kind: 'function' | 'method' | 'class' | 'type' | 'interface' | 'enum' | 'module' | 'variable';
  file: string;
  startLine: number;
  endLine: number;
  container?: string;
}

export interface IndexStatsLike { files: number; bytes: number; symbols: number; seconds: number; languages: Record<string, number> }

export interface RepoIndexLike {
  readonly root: string;
  stats(): IndexStatsLike;
  update(changed: string[], deleted: string[]): Promise<void>;
  definitionsIn(file: string): SymbolDefLike[];
  symbolAt(file: string, line: number): SymbolDefLike | undefined;
  fileText(file: string): string | undefined;
  dispose(): void;
}

export interface IndexBuildOptions {
  excludes?: string[];
  cacheDir?: string | null;
  onProgress?: (done: number, total: number, file?: string) => void;
  signal?: AbortSignal;
}

export interface RepoIndexModule {
  RepoIndex: { build(root: string, opts?: IndexBuildOptions): Promise<RepoIndexLike> };
}

export interface EngineHostLike {
  state: 'stopped' | 'starting' | 'ready' | 'busy' | 'crashed';
  lastError?: string;
  readonly modelPath?: string;
  cancel(): void;
  dispose(): void;
}

export interface AskRunOptions {
  repo: string;
  question: string;
  mode?: 'ask' | 'explain' | 'analyze';
  activeFile?: string;
  selection?: { startLine: number; endLine: number };
  focus?: { file?: string; folder?: string };
  model?: string;
  device?: 'cpu' | 'cuda';
  attention?: 'unisparse' | 'dense';
  tau?: number;
  blockSize?: number;
  budgetTokens?: number;
  maxNewTokens?: number;
  index?: RepoIndexLike;
  engine?: EngineHostLike;
  onDelta?: (d: AnswerDelta) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface AskModule { runAsk(opts: AskRunOptions): Promise<AnswerResult & { selection: SelectionResult }> }

export type Loaded<T> = { ok: true; module: T } | { ok: false; reason: string };

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function guard<T>(what: string, load: () => T, check: (m: T) => boolean): Loaded<T> {
  try {
    const module = load();
    if (!check(module)) return { ok: false, reason: `${what} is not available yet in this build (it does not export what the server needs).` };
    return { ok: true, module };
  } catch (e) {
    return { ok: false, reason: `${what} is not available yet in this build (${firstLine(e)}). Rebuild with \`npm run build\` once it has landed.` };
  }
}

// Each require sits in its own try so that esbuild bundles the module when it exists and leaves a runtime
// require (which fails here, with a message) when it does not.
let index: Loaded<RepoIndexModule> | undefined;
let ask: Loaded<AskModule> | undefined;

export function loadRepoIndex(): Loaded<RepoIndexModule> {
  return (index ??= guard('The repository index (server/index/repoIndex.ts)',
    () => require('../index/repoIndex') as RepoIndexModule, (m) => typeof m.RepoIndex?.build === 'function'));
}

export function loadAskPipeline(): Loaded<AskModule> {
  return (ask ??= guard('Answering (server/ask/askPipeline.ts)',
    () => require('../ask/askPipeline') as AskModule, (m) => typeof m.runAsk === 'function'));
}
