/**
 * The language server's view of the subsystems it drives: the repository index (server/index) and the ask pipeline
 * (server/ask). They are loaded with guarded requires so that a subsystem that fails to load (a broken bundle, a
 * missing grammar) costs the features that need it, while the server still starts, answers `unisparse/status` and
 * says what is missing.
 */
import type { IndexOptions, RepoIndex } from '../index/repoIndex';
import type { runAsk } from '../ask/askPipeline';

export interface RepoIndexModule {
  RepoIndex: { build(root: string, opts?: IndexOptions): Promise<RepoIndex>; start(root: string, opts?: IndexOptions): RepoIndex };
}

export interface AskModule { runAsk: typeof runAsk }

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
    return { ok: false, reason: `${what} is not available yet in this build (${firstLine(e)}). Rebuild with \`npm run build\`.` };
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
