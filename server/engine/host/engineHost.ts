/**
 * Runs the native model in a child process (../child/engineProcess.ts) and gives the server/CLI a promise API:
 * load, generate (streaming tokens and prefill progress), evalLogits, cancel. When the child dies, the
 * pending requests fail with a clear message and the next request starts a fresh child and reloads the
 * model, so one native crash costs one answer, never the language server.
 */
import { fork, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { attentionOptions, AttentionMode, AttentionOptions, DeviceSetting } from '../../../common/attentionOptions';
import type { DeviceChoice } from '../../../common/deviceChoice';
import { projectRoot } from '../../projectRoot';
import type {
  EngineToHost, GenerateRequest, GenerateResult, EvalLogitsResult, HostToEngine, LoadRequest, NativeFacts,
} from '../engineMessages';

export type EngineState = 'stopped' | 'starting' | 'ready' | 'busy' | 'crashed';
export type EngineLog = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface EngineLoadOptions {
  modelPath: string;
  /** `auto` (the default) lets the engine process choose from its addon build and GPU. */
  device?: DeviceSetting;
  threads?: number;
  maxContext?: number;
  /** The attention mode of generate calls that name none. Kept here: the options travel with each generate. */
  attention?: AttentionMode;
}

export interface GenerateHooks {
  onToken?: (text: string, token: number) => void;
  onPrefillProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** A generate request; missing attention options take their defaults (common/attentionOptions.ts). */
export type GenerateParams = Omit<GenerateRequest, 'type' | 'id' | 'attention'> & { attention?: Partial<AttentionOptions> };

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  hooks?: GenerateHooks;
}

/**
 * Where the engine entry point is: the bundle in dist/, or, when this file itself runs from TypeScript source
 * (development and tests), the source, loaded through the same TypeScript hook.
 */
function engineEntry(): { file: string; execArgv: string[] } {
  const root = projectRoot();
  const bundled = path.join(root, 'dist', 'server', 'engineProcess.js');
  const fromSource = __filename.endsWith('.ts');
  if (!fromSource && fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  return { file: path.join(root, 'server', 'engine', 'child', 'engineProcess.ts'), execArgv: ['-r', path.join(root, 'scripts', 'registerTypeScript.js')] };
}

export class EngineHost {
  state: EngineState = 'stopped';
  lastError?: string;
  /** The model info reported by the last successful load. */
  info?: Record<string, unknown>;
  backend?: string;
  /** The device the loaded model runs on, and why (from the engine's choice). */
  device?: DeviceChoice;
  private child?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private loaded?: EngineLoadOptions;
  private loadedInChild = false;
  private activeGenerate?: number;
  /** The facts of the running child (they cannot change while it lives). */
  private facts?: Promise<NativeFacts>;
  private readonly log: EngineLog;

  constructor(opts: { log?: EngineLog } = {}) {
    this.log = opts.log ?? (() => undefined);
  }

  /** The child's process id (tests use it to simulate a crash). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get modelPath(): string | undefined {
    return this.loaded?.modelPath;
  }

  /** Loads (or switches) the model; starts the child process when needed. */
  async load(opts: EngineLoadOptions): Promise<Record<string, unknown>> {
    // The same model again (the language server asks per question): keep the child and its KV cache.
    if (this.child && this.loadedInChild && this.info && JSON.stringify(this.loaded) === JSON.stringify({ ...opts })) return this.info;
    this.loaded = { ...opts };
    this.loadedInChild = false;
    return this.ensureLoaded();
  }

  async generate(params: GenerateParams, hooks: GenerateHooks = {}): Promise<GenerateResult> {
    await this.ensureLoaded();
    if (hooks.signal?.aborted) throw abortError();
    const id = this.nextId++;
    this.activeGenerate = id;
    this.state = 'busy';
    const onAbort = () => this.cancelRequest(id);
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const request: GenerateRequest = { ...params, type: 'generate', id, attention: this.attentionFor(params.attention) };
      return (await this.request(request, hooks)) as GenerateResult;
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
      if (this.activeGenerate === id) this.activeGenerate = undefined;
      if (this.state === 'busy') this.state = 'ready';
    }
  }

  /**
   * The engine process's addon build and GPU, asked of the child (started without a model when none runs), so
   * that the language server can report them without loading native code itself.
   */
  async nativeFacts(): Promise<NativeFacts> {
    this.startChild();
    this.facts ??= this.request({ type: 'facts', id: this.nextId++ }) as Promise<NativeFacts>;
    const asked = this.facts;
    try {
      return await asked;
    } catch (e) {
      if (this.facts === asked) this.facts = undefined;
      throw e;
    }
  }

  async evalLogits(tokens: number[], positions: number[], attention?: Partial<AttentionOptions>): Promise<EvalLogitsResult> {
    await this.ensureLoaded();
    const id = this.nextId++;
    this.state = 'busy';
    try {
      return (await this.request({ type: 'evalLogits', id, tokens, positions, attention: this.attentionFor(attention) })) as EvalLogitsResult;
    } finally {
      if (this.state === 'busy') this.state = 'ready';
    }
  }

  /** Stops the running generation; it resolves with stopReason 'cancelled' or the text so far. */
  cancel(): void {
    if (this.activeGenerate !== undefined) this.cancelRequest(this.activeGenerate);
  }

  dispose(): void {
    const child = this.child;
    this.child = undefined;
    this.failPending(new Error('The engine was shut down.'));
    if (child && child.exitCode === null) {
      child.removeAllListeners('exit');
      child.kill();
    }
    this.state = 'stopped';
  }

  private attentionFor(given: Partial<AttentionOptions> | undefined): AttentionOptions {
    return attentionOptions({ mode: this.loaded?.attention, ...given });
  }

  private cancelRequest(id: number): void {
    this.child?.send({ type: 'cancel', id });
  }

  private async ensureLoaded(): Promise<Record<string, unknown>> {
    if (!this.loaded) throw new Error('No model is configured for the engine. Set unisparse.model (or pass --model) to a .gguf file, or run `unisparse fetch-model`.');
    if (this.child && this.loadedInChild && this.info) return this.info;
    this.startChild();
    this.state = 'starting';
    const id = this.nextId++;
    const { modelPath, device, threads, maxContext } = this.loaded;
    const req: LoadRequest = { type: 'load', id, modelPath, device, threads, maxContext };
    try {
      const ready = (await this.request(req)) as { info: Record<string, unknown>; backend: string; device: DeviceChoice };
      this.info = ready.info;
      this.backend = ready.backend;
      this.device = ready.device;
      this.loadedInChild = true;
      this.state = 'ready';
      this.lastError = undefined;
      return ready.info;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.state = this.child ? 'stopped' : 'crashed';
      throw e;
    }
  }

  private startChild(): void {
    if (this.child) return;
    const entry = engineEntry();
    if (!fs.existsSync(entry.file)) {
      throw new Error(`The engine entry point ${entry.file} is missing. Run \`npm run build\` in the project folder.`);
    }
    this.facts = undefined;
    const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = child;
    this.loadedInChild = false;
    let stderrTail = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-2000);
    });
    child.on('message', (m) => this.onMessage(m as EngineToHost));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.loadedInChild = false;
      this.state = 'crashed';
      const detail = stderrTail.trim().split('\n').slice(-3).join(' | ');
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.lastError = `The engine process ${why}${detail ? ` (${detail})` : ''}. It restarts on the next request.`;
      this.log('error', this.lastError);
      this.failPending(new Error(this.lastError));
    });
    child.on('error', (e) => this.log('error', `engine process error: ${e.message}`));
  }

  private request(msg: HostToEngine, hooks?: GenerateHooks): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!this.child) {
        reject(new Error('The engine process is not running.'));
        return;
      }
      this.pending.set(msg.id, { resolve, reject, hooks });
      this.child.send(msg);
    });
  }

  private onMessage(m: EngineToHost): void {
    if (m.type === 'log') {
      this.log(m.level, m.message);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'progress':
        p.hooks?.onPrefillProgress?.(m.done, m.total);
        return;
      case 'token':
        if (m.text) p.hooks?.onToken?.(m.text, m.token);
        return;
      case 'ready':
        this.pending.delete(m.id);
        p.resolve({ info: m.info, backend: m.backend, device: m.device });
        return;
      case 'facts':
        this.pending.delete(m.id);
        p.resolve(m.facts);
        return;
      case 'done':
        this.pending.delete(m.id);
        p.resolve(m.result);
        return;
      case 'error':
        this.pending.delete(m.id);
        p.reject(new Error(m.message));
        return;
    }
  }

  private failPending(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}

function abortError(): Error {
  const e = new Error('The request was cancelled.');
  e.name = 'AbortError';
  return e;
}
