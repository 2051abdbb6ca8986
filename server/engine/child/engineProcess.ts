/**
 * The engine child process: owns the native model so that a native fault (or a long prefill) can never
 * take down the language server. EngineHost forks it and talks to it over IPC (../engineMessages.ts).
 * Requests run one at a time; a cancel message is honoured between prefill chunks and decode steps.
 */
import { chooseDevice } from '../../../common/deviceChoice';
import { DEFAULT_DEVICE } from '../../../common/attentionOptions';
import { openNativeModel, loadNativeAddon, deviceFacts } from './nativeModel';
import { loadTokenizer } from '../../tokenizer/tokenizer';
import { runGeneration, runEvalLogits, EngineSession } from './generation';
import type { HostToEngine, EngineToHost, LoadRequest, NativeFacts } from '../engineMessages';

let session: EngineSession | undefined;
let loadedKey = '';
const cancelledIds = new Set<number>();
let queue: Promise<void> = Promise.resolve();

function send(msg: EngineToHost): void {
  if (process.send) process.send(msg);
}

function nativeFacts(): NativeFacts {
  try {
    return { loaded: true, ...deviceFacts(loadNativeAddon()) };
  } catch (e) {
    return { loaded: false, error: e instanceof Error ? e.message : String(e) };
  }
}

async function handleLoad(req: LoadRequest): Promise<void> {
  const addon = loadNativeAddon();
  const choice = chooseDevice(req.device ?? DEFAULT_DEVICE, deviceFacts(addon));
  const key = JSON.stringify([req.modelPath, req.threads, req.maxContext, choice.device]);
  if (!session || key !== loadedKey) {
    if (choice.warning) send({ type: 'log', level: 'warn', message: choice.warning });
    session?.model.dispose();
    session = undefined;
    const model = openNativeModel(req.modelPath, { device: choice.device, threads: req.threads, maxContext: req.maxContext });
    if (model.info.deviceNote) send({ type: 'log', level: 'warn', message: `GPU: ${model.info.deviceNote}.` });
    let tokenizer;
    try {
      tokenizer = await loadTokenizer(req.modelPath);
    } catch (e) {
      // Scoring (eval-logits) works on ids alone; text generation reports this message later.
      send({ type: 'log', level: 'warn', message: `No tokenizer for ${req.modelPath}: ${(e as Error).message}` });
    }
    session = { model, tokenizer, cachedTokens: [], device: choice.device };
    loadedKey = key;
    send({ type: 'log', level: 'info', message: `model on ${choice.device} (${choice.why})` });
  }
  send({ type: 'ready', id: req.id, info: { ...session.model.info }, backend: addon.backend, device: choice });
}

async function handle(msg: HostToEngine): Promise<void> {
  try {
    switch (msg.type) {
      case 'load':
        await handleLoad(msg);
        return;
      case 'generate': {
        if (!session) throw new Error('No model is loaded in the engine; load one first.');
        const id = msg.id;
        const result = await runGeneration(session, msg, {
          isCancelled: () => cancelledIds.has(id),
          onPrefillProgress: (done, total) => send({ type: 'progress', id, phase: 'prefill', done, total }),
          onToken: (token, text) => send({ type: 'token', id, token, text }),
        });
        send({ type: 'done', id, result });
        return;
      }
      case 'evalLogits': {
        if (!session) throw new Error('No model is loaded in the engine; load one first.');
        send({ type: 'done', id: msg.id, result: await runEvalLogits(session, msg) });
        return;
      }
      default:
        throw new Error(`Unknown engine request ${(msg as { type: string }).type}.`);
    }
  } catch (e) {
    send({ type: 'error', id: msg.id, message: (e as Error).message ?? String(e) });
  } finally {
    cancelledIds.delete(msg.id);
  }
}

process.on('message', (raw) => {
  const msg = raw as HostToEngine;
  if (msg.type === 'cancel') {
    // Seen between awaits of the running request; it checks the set before each chunk and token.
    cancelledIds.add(msg.id);
    return;
  }
  if (msg.type === 'facts') {
    // Answered at once, also while a long prefill runs: the status must not wait for an answer.
    send({ type: 'facts', id: msg.id, facts: nativeFacts() });
    return;
  }
  queue = queue.then(() => handle(msg));
});

// Ctrl-C in a terminal reaches the whole process group, this child included. The parent decides what an
// interrupt means (cancel the answer, keep the partial text, exit 130); dying here would turn it into a crash.
process.on('SIGINT', () => undefined);

// The host going away must not leave an orphan holding the model in memory.
process.on('disconnect', () => process.exit(0));
send({ type: 'log', level: 'info', message: `engine process ${process.pid} started` });
