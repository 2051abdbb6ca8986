/**
 * Turns the client's ask / explain / analyze requests into ask-pipeline runs: maps editor positions to files and
 * line ranges, applies the user's settings, streams the pipeline's deltas as LSP partial results, and turns LSP
 * cancellation and "stop generation" into an abort of the engine.
 */
import * as path from 'path';
import { fileURLToPath } from 'url';
import { CancellationToken, LSPErrorCodes, ResponseError, ResultProgressReporter } from 'vscode-languageserver/node';
import { AUTO_CONTEXT_BUDGET } from '../../common/attentionOptions';
import type { UniSparseSettings } from '../../common/settings/readSettings';
import type { AnalyzeParams, AnswerDelta, AnswerResult, AskParams, ExplainParams, TextPosition } from '../protocol/protocol';
import { loadAskPipeline } from './backends';
import type { AskOptions } from '../ask/askPipeline';
import type { EngineHost } from '../engine/host/engineHost';
import { relativeFile } from './codeLenses';
import type { WorkspaceIndex } from './workspaceIndex';

type Progress = ResultProgressReporter<AnswerDelta> | undefined;

export interface AnswerServiceDeps {
  index: Pick<WorkspaceIndex, 'root' | 'ready'> & Partial<Pick<WorkspaceIndex, 'forQuestion'>>;
  settings: () => UniSparseSettings;
  engine: () => EngineHost;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** The remote endpoint's API key, asked of the client (its secret storage) for each remote answer. */
  remoteKey?: () => Promise<string | undefined>;
}

/** LSP ranges are 0-based with an exclusive end; a selection ending at column 0 does not include that line. */
export function linesOf(range: { start: TextPosition; end: TextPosition }): { startLine: number; endLine: number } {
  const startLine = range.start.line + 1;
  const endLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line : range.end.line + 1;
  return { startLine, endLine: Math.max(startLine, endLine) };
}

export class AnswerService {
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly deps: AnswerServiceDeps) {}

  /** Stops every answer in progress ("stop generation"). */
  stop(): void {
    for (const c of this.inFlight) c.abort();
    if (this.inFlight.size) this.deps.engine().cancel();
  }

  async ask(p: AskParams, token: CancellationToken, progress: Progress): Promise<AnswerResult> {
    const root = this.root();
    const activeFile = p.activeUri ? relativeFile(root, p.activeUri) : undefined;
    return this.run({
      question: p.question, mode: 'ask', activeFile,
      selection: activeFile && p.selection ? linesOf(p.selection) : undefined,
    }, token, progress);
  }

  async explain(p: ExplainParams, token: CancellationToken, progress: Progress): Promise<AnswerResult> {
    const root = this.root();
    const file = this.fileIn(root, p.uri);
    if (p.selection) {
      const sel = linesOf(p.selection);
      return this.run({ mode: 'explain', activeFile: file, selection: sel, focus: { file },
        question: `Explain lines ${sel.startLine}-${sel.endLine} of ${file}.` }, token, progress);
    }
    const index = await this.deps.index.ready();
    const line = (p.position?.line ?? 0) + 1;
    const symbol = index?.symbolAt(file, line);
    if (symbol) {
      const name = symbol.container ? `${symbol.container}.${symbol.name}` : symbol.name;
      return this.run({ mode: 'explain', activeFile: file, focus: { file },
        selection: { startLine: symbol.startLine, endLine: symbol.endLine },
        question: `Explain the ${symbol.kind} ${name} in ${file} (lines ${symbol.startLine}-${symbol.endLine}).` }, token, progress);
    }
    return this.run({ mode: 'explain', activeFile: file, focus: { file }, selection: { startLine: line, endLine: line },
      question: `Explain the code around line ${line} of ${file}.` }, token, progress);
  }

  async analyze(p: AnalyzeParams, token: CancellationToken, progress: Progress): Promise<AnswerResult> {
    const root = this.root();
    if (p.kind === 'file') {
      const file = this.fileIn(root, p.uri);
      return this.run({ mode: 'analyze', activeFile: file, focus: { file },
        question: `Analyze the file ${file}: what it does, its structure and dependencies, and any risky code.` }, token, progress);
    }
    const folder = this.folderIn(root, p.uri);
    return this.run({ mode: 'analyze', focus: { folder },
      question: `Analyze the folder ${folder === '.' ? 'at the repository root' : folder}: what it does, how its files depend on each other, and any risky code.` },
    token, progress);
  }

  private root(): string {
    const root = this.deps.index.root;
    if (!root) throw new ResponseError(LSPErrorCodes.RequestFailed, 'No folder is open: open the repository as a folder (File > Open Folder), then ask again.');
    return root;
  }

  private fileIn(root: string, uri: string): string {
    const file = relativeFile(root, uri);
    if (!file) throw new ResponseError(LSPErrorCodes.RequestFailed, `${uri} is not inside the open folder ${root}; UniSparse only answers about files of the workspace.`);
    return file;
  }

  private folderIn(root: string, uri: string): string {
    const rel = relativeFile(root, uri);
    if (rel) return rel;
    try {
      if (path.resolve(fileURLToPath(uri)) === path.resolve(root)) return '.';
    } catch { /* fall through */ }
    throw new ResponseError(LSPErrorCodes.RequestFailed, `${uri} is not inside the open folder ${root}.`);
  }

  private async run(req: Pick<AskOptions, 'question' | 'mode' | 'activeFile' | 'selection' | 'focus'>, token: CancellationToken, progress: Progress): Promise<AnswerResult> {
    const root = this.root();
    const pipeline = loadAskPipeline();
    if (!pipeline.ok) throw new ResponseError(LSPErrorCodes.RequestFailed, pipeline.reason);
    const controller = new AbortController();
    const onCancel = token.onCancellationRequested(() => controller.abort());
    this.inFlight.add(controller);
    const s = this.deps.settings();
    try {
      progress?.report({ phase: 'indexing' });
      // While indexing, the answer comes from what is indexed so far (its stats say how much).
      const index = await (this.deps.index.forQuestion?.() ?? this.deps.index.ready());
      const remote = s.remoteUrl
        ? { url: s.remoteUrl, model: s.remoteModel || undefined, apiKey: await this.deps.remoteKey?.() }
        : undefined;
      return await pipeline.module.runAsk({
        ...req,
        remote,
        repo: root,
        index,
        engine: this.deps.engine(),
        model: s.modelPath || undefined,
        device: s.device,
        attention: { mode: s.attention, tau: s.tau, blockSize: s.blockSize },
        budgetTokens: s.contextBudgetTokens === AUTO_CONTEXT_BUDGET ? undefined : s.contextBudgetTokens,
        maxNewTokens: s.maxNewTokens,
        signal: controller.signal,
        onDelta: (d) => progress?.report(d),
        log: (line) => this.deps.log('info', line),
      });
    } catch (e) {
      if (controller.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The answer was stopped.');
      if (e instanceof ResponseError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      this.deps.log('error', message);
      throw new ResponseError(LSPErrorCodes.RequestFailed, message);
    } finally {
      onCancel.dispose();
      this.inFlight.delete(controller);
    }
  }
}
