/**
 * Tokenization off the calling thread: one worker that holds the model's tokenizer. `unisparse serve` encodes
 * request prompts here, so a multi-megabyte prompt costs its own client time and nobody else's. Runs bundled
 * (dist/server/tokenizerWorker.js next to the bundle) and from source (through the TypeScript hook in scripts/registerTypeScript.js).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { EncodeJob, EncodeReply } from './tokenizerWorker';

interface Waiter { resolve: (r: { ids: number[]; spans?: Int32Array }) => void; reject: (e: Error) => void }

export class TokenizerThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  constructor(private readonly modelPath: string) {}

  /** Token ids of `text` (BOS first when `addSpecial` and the model wants one). */
  async encode(text: string, addSpecial: boolean): Promise<number[]> {
    return (await this.post(text, addSpecial, false)).ids;
  }

  /** Token ids with [charStart, charEnd) per token, as TextTokenizer.encodeWithOffsets. */
  async encodeWithOffsets(text: string): Promise<{ ids: number[]; spans: Int32Array }> {
    const r = await this.post(text, false, true);
    return { ids: r.ids, spans: r.spans ?? new Int32Array(0) };
  }

  dispose(): void {
    this.worker?.terminate().catch(() => undefined);
    this.worker = undefined;
    this.failAll(new Error('The tokenizer thread was shut down.'));
  }

  private post(text: string, addSpecial: boolean, withOffsets: boolean): Promise<{ ids: number[]; spans?: Int32Array }> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ id, text, addSpecial, withOffsets } satisfies EncodeJob);
    });
  }

  private start(): Worker {
    const worker = startWorker(this.modelPath);
    worker.on('message', (m: EncodeReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (!this.waiting.size) worker.unref();
      if ('error' in m) w.reject(new Error(m.error)); else w.resolve({ ids: Array.from(m.ids), spans: m.spans });
    });
    const died = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;   // the next request starts a fresh one
      this.failAll(new Error(`The tokenizer thread stopped (${why}).`));
    };
    worker.on('error', (e) => died(e.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failAll(e: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.reject(e);
  }
}

function startWorker(modelPath: string): Worker {
  if (__filename.endsWith('.ts')) {
    const register = path.resolve(__dirname, '..', '..', 'scripts', 'registerTypeScript.js');
    const entry = path.join(__dirname, 'tokenizerWorker.ts');
    return new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(entry)});`, { eval: true, workerData: { modelPath } });
  }
  const bundled = path.join(__dirname, 'tokenizerWorker.js');
  if (!fs.existsSync(bundled)) {
    throw new Error(`The tokenizer worker ${bundled} is missing: run \`npm run build:js\` to bundle it next to ${path.basename(__filename)}.`);
  }
  return new Worker(bundled, { workerData: { modelPath } });
}
