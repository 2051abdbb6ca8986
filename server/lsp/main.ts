/**
 * The UniSparse language server: started by the extension over IPC (dist/server/main.js). It owns the
 * repository index, answers the `unisparse/*` requests through the ask pipeline and the engine process, offers
 * "Explain" code lenses, and keeps the index current from the client's file-watcher events.
 */
import { fileURLToPath } from 'url';
import {
  CodeLensRefreshRequest, createConnection, InitializeResult, PartialResultParams, ProgressType, ProposedFeatures,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { readSettings, UniSparseSettings } from '../../common/settings/readSettings';
import { EngineHost } from '../engine/host/engineHost';
import {
  AnalyzeRequest, AnswerDelta, AskRequest, EngineLogNotification, ExplainRequest, ReindexRequest, StatusRequest,
  StatusResult, StopRequest, RemoteKeyRequest,
} from '../protocol/protocol';
import { AnswerService } from './answerService';
import { provideLenses, resolveLens } from './codeLenses';
import { nativeStatus } from './nativeStatus';
import { SERVER_VERSION } from './serverVersion';
import { WorkspaceIndex } from './workspaceIndex';

const connection = createConnection(ProposedFeatures.all);
const defaults = readSettings({ get: () => undefined });
let settings: UniSparseSettings = defaults;
let codeLensRefresh = false;
let engine: EngineHost | undefined;
let workspace: WorkspaceIndex | undefined;

const log = (level: 'info' | 'warn' | 'error', message: string) => {
  void connection.sendNotification(EngineLogNotification, { level, message });
};

function getEngine(): EngineHost {
  engine ??= new EngineHost({ log });
  return engine;
}

/** Settings come from the client already validated (common/settings/readSettings.ts); unknown keys keep defaults. */
function applySettings(raw: unknown): void {
  if (!raw || typeof raw !== 'object') return;
  const given = raw as Record<string, unknown>;
  const before = settings;
  settings = { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([k]) => k in defaults)) } as UniSparseSettings;
  if (workspace && JSON.stringify(before.exclude) !== JSON.stringify(settings.exclude)) void workspace.build();
}

// The workspace index exists only after initialize; the service reads it through this late-bound view.
const answers = new AnswerService({
  index: {
    get root() { return workspace?.root; },
    ready: () => workspace?.ready() ?? Promise.resolve(undefined),
    forQuestion: () => workspace?.forQuestion() ?? Promise.resolve(undefined),
  },
  settings: () => settings,
  engine: getEngine,
  log,
  remoteKey: async () => (await connection.sendRequest(RemoteKeyRequest).catch(() => null)) ?? undefined,
});

connection.onInitialize((params): InitializeResult => {
  const init = params.initializationOptions as { settings?: unknown } | undefined;
  applySettings(init?.settings);
  codeLensRefresh = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  let root: string | undefined;
  try { root = folder ? fileURLToPath(folder) : undefined; } catch { root = undefined; }
  workspace = new WorkspaceIndex({
    root,
    excludes: () => settings.exclude,
    onChanged: () => { if (codeLensRefresh) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined); },
    progress: async () => {
      const p = await connection.window.createWorkDoneProgress();
      return { begin: (title) => p.begin(title, 0, undefined, false), report: (pct, msg) => p.report(pct, msg), done: () => p.done() };
    },
    log: (m) => connection.console.log(m),
  });
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.None,
      codeLensProvider: { resolveProvider: true },
    },
    serverInfo: { name: 'unisparse', version: SERVER_VERSION },
  };
});

connection.onInitialized(() => { void workspace?.build(); });

connection.onDidChangeConfiguration((p) => applySettings(p.settings));

connection.onDidChangeWatchedFiles(({ changes }) => {
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const c of changes) {
    let file: string;
    try { file = fileURLToPath(c.uri); } catch { continue; }
    (c.type === 3 /* Deleted */ ? deleted : changed).push(file);
  }
  workspace?.fileEvents(changed, deleted);
});

connection.onCodeLens((p) => provideLenses(workspace?.current, p.textDocument.uri));
connection.onCodeLensResolve((lens) => resolveLens(workspace?.current, lens));

connection.onRequest(StatusRequest, async (): Promise<StatusResult> => {
  const counts = workspace?.counts() ?? { files: 0, symbols: 0 };
  return {
    serverVersion: SERVER_VERSION,
    nodeVersion: process.version,
    ...(await nativeStatus(getEngine(), settings.device)),
    engine: {
      state: engine?.state ?? 'stopped',
      model: engine?.modelPath ?? (settings.modelPath || undefined),
      lastError: engine?.lastError ?? workspace?.unavailableReason,
    },
    index: { state: workspace?.state ?? 'idle', ...counts },
  };
});

// Answers stream as LSP partial results on the client's partialResultToken.
const answerProgress = new ProgressType<AnswerDelta>();
const partial = (p: PartialResultParams) => connection.languages.attachPartialResultProgress(answerProgress, p);
connection.onRequest(AskRequest, (p, token) => answers.ask(p, token, partial(p)));
connection.onRequest(ExplainRequest, (p, token) => answers.explain(p, token, partial(p)));
connection.onRequest(AnalyzeRequest, (p, token) => answers.analyze(p, token, partial(p)));
connection.onRequest(StopRequest, () => answers.stop());
connection.onRequest(ReindexRequest, async () => {
  if (!workspace) throw new Error('The server has not been initialised yet.');
  return workspace.rebuild();
});

connection.onShutdown(() => {
  answers.stop();
  engine?.dispose();
  workspace?.dispose();
});

connection.listen();
