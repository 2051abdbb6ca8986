// worker_threads entry (bundled to dist/server/indexWorker.js): parses batches of files off the server's event loop.
// Messages in: { settings } once, then { batch, jobs: FileJob[] }. Out: { batch, outcomes: FileOutcome[] } or
// { batch, error } when something unexpected breaks (the pool turns it into a rejected promise, not a crash).
import { parentPort } from 'worker_threads';
import { FileIndexer, type FileJob, type IndexerSettings } from './fileIndexer';

let indexer: FileIndexer | undefined;
/** Batches run one after another: the pool sends the next batch before this one is done (pipelining). */
let chain: Promise<void> = Promise.resolve();

parentPort?.on('message', (msg: { settings?: IndexerSettings; batch?: number; jobs?: FileJob[] }) => {
  chain = chain.then(() => handle(msg));
});

async function handle(msg: { settings?: IndexerSettings; batch?: number; jobs?: FileJob[] }): Promise<void> {
  if (msg.settings) { indexer = new FileIndexer(msg.settings); return; }
  if (msg.batch === undefined || !msg.jobs || !indexer) return;
  try {
    const outcomes = [];
    for (const job of msg.jobs) outcomes.push(await indexer.index(job));
    parentPort!.postMessage({ batch: msg.batch, outcomes, timings: indexer.takeTimings() });
  } catch (e) {
    parentPort!.postMessage({ batch: msg.batch, error: (e as Error).message || String(e) });
  }
}
