// worker_threads entry (bundled to dist/server/indexWorker.js): parses batches of files off the server's event loop.
// Messages in: { settings } once, then { batch, jobs: FileJob[] } and { flush }. Out: { batch, outcomes, timings },
// { flushed }, or { batch, error } when something unexpected breaks (the pool turns it into a rejected promise, not a
// crash).
import { parentPort } from 'worker_threads';
import { FileIndexer, type FileJob, type FileOutcome, type IndexerSettings } from './fileIndexer';
import { termTableBuffers } from './fileTermTable';
import { BUSY, STOP } from './workerFlags';

let indexer: FileIndexer | undefined;
/** Batches run one after another: the pool sends the next batch before this one is done (pipelining). */
let chain: Promise<void> = Promise.resolve();

parentPort?.on('message', (msg: WorkerMessage) => {
  chain = chain.then(() => handle(msg));
});

/**
 * settings (and the flags shared with the pool, see workerPool.ts) once; then batches to index; `flush` asks for a
 * reply once the cache writes so far have landed; `stop` (or the STOP flag, read between files) ends the thread: the
 * pool never terminates a worker from outside, since that aborts the process when it lands inside the native parser.
 */
interface WorkerMessage { settings?: IndexerSettings; flags?: Int32Array; stop?: true; batch?: number; jobs?: FileJob[]; flush?: number }

let flags: Int32Array | undefined;
const stopRequested = () => !!flags && Atomics.load(flags, STOP) !== 0;

/** Indexes one file with BUSY set, so that an exiting process waits for it (BUSY first, then STOP: see workerPool.ts). */
async function indexOne(job: FileJob): Promise<FileOutcome> {
  if (!flags) return indexer!.index(job);
  Atomics.store(flags, BUSY, 1);
  if (Atomics.load(flags, STOP) !== 0) { Atomics.store(flags, BUSY, 0); process.exit(0); }
  try {
    return await indexer!.index(job);
  } finally {
    Atomics.store(flags, BUSY, 0);
    Atomics.notify(flags, BUSY);
  }
}

async function handle(msg: WorkerMessage): Promise<void> {
  if (msg.stop === true || stopRequested()) process.exit(0);
  if (msg.settings) { indexer = new FileIndexer(msg.settings); flags = msg.flags; return; }
  if (msg.flush !== undefined) {
    await indexer?.flushCache();
    parentPort!.postMessage({ flushed: msg.flush });
    return;
  }
  if (msg.batch === undefined || !msg.jobs || !indexer) return;
  try {
    const outcomes: FileOutcome[] = [];
    for (const job of msg.jobs) {
      if (stopRequested()) process.exit(0);
      outcomes.push(await indexOne(job));
    }
    // Term tables and reference counts are typed arrays: moved to the server thread, not copied (and never held by this one again).
    const transfer: ArrayBuffer[] = [];
    for (const o of outcomes) {
      if (o.status !== 'indexed') continue;
      for (const b of termTableBuffers(o.record.termTable)) transfer.push(b);
      transfer.push(o.record.refs.counts.buffer as ArrayBuffer);
    }
    parentPort!.postMessage({ batch: msg.batch, outcomes, timings: indexer.takeTimings() }, transfer);
  } catch (e) {
    parentPort!.postMessage({ batch: msg.batch, error: (e as Error).message || String(e) });
  }
}
