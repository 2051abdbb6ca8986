// worker_threads entry (bundled to dist/server/indexWorker.js): parses batches of files off the server's event loop.
// Messages in: { settings } once, then { batch, jobs: FileJob[] } and { flush }. Out: { batch, outcomes, timings },
// { flushed }, or { batch, error } when something unexpected breaks (the pool turns it into a rejected promise, not a
// crash).
import { parentPort } from 'worker_threads';
import { FileIndexer, type FileJob, type FileOutcome, type IndexerSettings } from './fileIndexer';
import { termTableBuffers } from './fileTermTable';

let indexer: FileIndexer | undefined;
/** Batches run one after another: the pool sends the next batch before this one is done (pipelining). */
let chain: Promise<void> = Promise.resolve();

parentPort?.on('message', (msg: WorkerMessage) => {
  chain = chain.then(() => handle(msg));
});

/**
 * settings (and the pool's stop flag) once; then batches to index; `flush` asks for a reply once the cache writes so
 * far have landed; `stop` (or the flag, read between files) ends the thread: the pool never terminates a worker from
 * outside, since that aborts the process when it lands inside the native parser.
 */
interface WorkerMessage { settings?: IndexerSettings; stop?: Int32Array | true; batch?: number; jobs?: FileJob[]; flush?: number }

let stopFlag: Int32Array | undefined;
const stopRequested = () => !!stopFlag && Atomics.load(stopFlag, 0) !== 0;

async function handle(msg: WorkerMessage): Promise<void> {
  if (msg.stop === true || stopRequested()) process.exit(0);
  if (msg.settings) { indexer = new FileIndexer(msg.settings); stopFlag = msg.stop as Int32Array | undefined; return; }
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
      outcomes.push(await indexer.index(job));
    }
    // Term tables and reference counts are typed arrays: moved to the server thread, not copied (and never held by this one again).
    const transfer = outcomes.flatMap((o) => (o.status === 'indexed' ? [...termTableBuffers(o.record.termTable), o.record.refs.counts.buffer as ArrayBuffer] : []));
    parentPort!.postMessage({ batch: msg.batch, outcomes, timings: indexer.takeTimings() }, transfer);
  } catch (e) {
    parentPort!.postMessage({ batch: msg.batch, error: (e as Error).message || String(e) });
  }
}
