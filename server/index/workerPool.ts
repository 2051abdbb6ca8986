// A small pool of index workers. Runs bundled (dist/server/indexWorker.js next to the bundle) and from source
// (the worker is started with the TypeScript hook, scripts/registerTypeScript.js). workers: 0 indexes on
// the calling thread, for debugging. A worker that dies fails only its batch (files reported as skipped) and is
// replaced. Cancelling stops the workers after the file each is on: a worker is never terminated from outside,
// because terminating a thread inside the native parser (which calls back into JavaScript for the text) aborts the
// whole process. Each worker shares two flags with the pool (WorkerFlags): `stop`, read between files, and `busy`,
// set while it indexes a file; when the process exits, Node terminates the workers, so an exit handler first asks
// them to stop and waits (at most EXIT_WAIT_MS) until none is inside a file.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { FileIndexer, fileOutcome, type FileJob, type FileOutcome, type IndexerSettings, type IndexerTimings } from './fileIndexer';
import { addLanguages, addPhases, emptyPhases, type LanguageSeconds, type PhaseSeconds } from './indexPhases';
import { abortError } from './walker';
import { BUSY, FLAG_COUNT, STOP } from './workerFlags';

const BATCH_FILES = 8;
const BATCHES_IN_FLIGHT_PER_WORKER = 2;
/** Longest stretch of merging results before yielding the event loop. */
const SLICE_MS = 8;

const EXIT_WAIT_MS = 3000;

interface Slot { worker: Worker; inFlight: Map<number, FileJob[]>; flags: Int32Array }

/** Every worker of every pool in this thread until it exits, for the exit handler. */
const liveFlags = new Set<Int32Array>();
let exitHandler = false;

/** At process exit: no worker may be inside the native parser when Node terminates it (see the top of the file). */
function stopWorkersBeforeExit(): void {
  for (const flags of liveFlags) Atomics.store(flags, STOP, 1);
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (const flags of liveFlags) {
    while (Atomics.load(flags, BUSY) !== 0 && Date.now() < deadline) Atomics.wait(flags, BUSY, 1, 50);
  }
}

export class WorkerPool {
  private slots: Slot[] = [];
  private local: FileIndexer | undefined;
  private nextBatch = 0;
  private onBatchDone: ((batch: number, outcomes: FileOutcome[]) => void) | undefined;
  private disposed = false;
  /** Worker seconds per phase and per language, summed over all runs (see indexPhases.ts). */
  readonly phases: PhaseSeconds = emptyPhases();
  readonly languages: Record<string, LanguageSeconds> = {};

  constructor(private readonly count: number, private readonly settings: IndexerSettings) {}

  /** The job list of the run in progress and how far it has been handed out (prioritize() reorders the rest). */
  private active: { jobs: FileJob[]; next: number } | undefined;

  /**
   * Moves the not yet started jobs for `files` to the front of the queue of the run in progress (a question names
   * them). Returns how many were moved.
   */
  prioritize(files: ReadonlySet<string>): number {
    const a = this.active;
    if (!a) return 0;
    const rest = a.jobs.slice(a.next);
    const first = rest.filter((j) => files.has(j.file));
    if (!first.length) return 0;
    a.jobs.splice(a.next, rest.length, ...first, ...rest.filter((j) => !files.has(j.file)));
    return first.length;
  }

  /**
   * Starts the workers now, before there is work for them: a build calls this before it lists the folders, so that
   * the workers load their code while the server thread walks (a worker takes 0.1-0.3 s to start, listing a
   * repository of a few thousand files about as long). run() starts any that are missing.
   */
  prestart(): void {
    if (this.disposed) return;
    while (this.slots.length < this.count) this.slots.push(this.spawn());
  }

  /** Files of the run in progress not yet handed to a worker. */
  queued(): string[] {
    const a = this.active;
    return a ? a.jobs.slice(a.next).map((j) => j.file) : [];
  }

  private addTimings(t: IndexerTimings | undefined): void {
    if (!t) return;
    addPhases(this.phases, t.phases);
    addLanguages(this.languages, t.languages);
  }

  /**
   * Indexes `jobs`, calling `onOutcome` on the calling thread as each file completes. The run resolves once the
   * workers' cache entries have landed too, unless `awaitCache` is false (an edit: its entries are written behind it).
   * With `listing`, `jobs` is still growing: the caller appends the files as the folders are listed and calls
   * jobsAdded(); the run ends when `listing` has resolved and every job is done (its rejection rejects the run).
   */
  async run(jobs: FileJob[], onOutcome: (o: FileOutcome) => void, signal?: AbortSignal, awaitCache = true, listing?: Promise<unknown>): Promise<void> {
    if (this.disposed) throw new Error('The repository index was disposed; build a new one.');
    if (signal?.aborted) throw abortError();
    if (this.count <= 0) {
      if (listing) await listing;
      return this.runLocally(jobs, onOutcome, signal);
    }
    while (this.slots.length < this.count) this.slots.push(this.spawn());
    const state = { jobs, next: 0 };
    this.active = state;
    let pending = 0;
    let listed = !listing;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => { if (this.active === state) this.active = undefined; this.jobsAdded = () => undefined; this.terminateAll(); reject(abortError()); };
      signal?.addEventListener('abort', onAbort, { once: true });
      const used = new Set<Slot>();
      const finish = () => {
        if (this.active === state) this.active = undefined;
        this.jobsAdded = () => undefined;
        // Cache entries are written in the background: a build is done when they have landed too (a CLI run may exit
        // right after); an edit answers at once and its entry follows.
        const flushed = this.flushAll([...used]).then(() => {
          signal?.removeEventListener('abort', onAbort);
          for (const s of this.slots) if (!s.inFlight.size) s.worker.unref();
        });
        if (awaitCache) void flushed.then(resolve); else resolve();
      };
      // Small runs get small batches so that every worker has a share (a 13-file repository should not wait on one).
      // While the folders are still being listed only full batches go out, once there are enough for full batches
      // all round (what the rule gives a run of that size anyway).
      const fullRound = this.slots.length * BATCHES_IN_FLIGHT_PER_WORKER * BATCH_FILES;
      let batchFiles = BATCH_FILES;
      const feed = () => {
        if (!listed && jobs.length < fullRound) return;
        if (listed) batchFiles = Math.max(1, Math.min(BATCH_FILES, Math.ceil(jobs.length / (this.slots.length * BATCHES_IN_FLIGHT_PER_WORKER))));
        // Round-robin, one batch per worker per round, so that load spreads from the first batch on.
        for (let round = 0; round < BATCHES_IN_FLIGHT_PER_WORKER; round++) {
          for (const slot of this.slots) {
            if (state.next >= jobs.length || slot.inFlight.size >= BATCHES_IN_FLIGHT_PER_WORKER) continue;
            if (!listed && state.next + batchFiles > jobs.length) continue;
            const batch = jobs.slice(state.next, state.next + batchFiles);
            state.next += batch.length;
            const id = this.nextBatch++;
            slot.inFlight.set(id, batch);
            used.add(slot);
            slot.worker.ref();
            slot.worker.postMessage({ batch: id, jobs: batch });
            pending++;
          }
        }
        if (listed && pending === 0 && state.next >= jobs.length && !queue.length && !draining) finish();
      };
      // Outcomes are merged in slices of at most SLICE_MS so that other requests get the event loop in between.
      const queue: FileOutcome[] = [];
      let draining = false;
      const drain = () => {
        draining = false;
        if (signal?.aborted) return;
        const until = performance.now() + SLICE_MS;
        while (queue.length && performance.now() < until) onOutcome(queue.shift()!);
        if (queue.length) { draining = true; setImmediate(drain); return; }
        if (listed && pending === 0 && state.next >= jobs.length) finish();
      };
      this.onBatchDone = (_batch, outcomes) => {
        if (signal?.aborted) return;
        pending--;
        queue.push(...outcomes);
        feed();
        if (!draining) { draining = true; setImmediate(drain); }
      };
      this.jobsAdded = () => { if (!signal?.aborted) feed(); };
      listing?.then(() => { listed = true; this.jobsAdded(); }, (e) => {
        if (this.active === state) this.active = undefined;
        this.jobsAdded = () => undefined;
        reject(e);
      });
      feed();
    });
  }

  /** The run in progress has more jobs (its listing appended them): hand them out. */
  jobsAdded: () => void = () => undefined;

  /** Asks the workers of a run to write their pending cache entries and confirm (a worker that dies counts as done). */
  private flushAll(slots: Slot[]): Promise<void> {
    return Promise.all(slots.filter((s) => this.slots.includes(s)).map((slot) => new Promise<void>((done) => {
      const id = this.nextBatch++;
      const onMessage = (msg: { flushed?: number }) => { if (msg.flushed === id) finish(); };
      const finish = () => { slot.worker.off('message', onMessage); slot.worker.off('exit', finish); done(); };
      slot.worker.on('message', onMessage);
      slot.worker.once('exit', finish);
      slot.worker.postMessage({ flush: id });
    }))).then(() => undefined);
  }

  private async runLocally(jobs: FileJob[], onOutcome: (o: FileOutcome) => void, signal?: AbortSignal): Promise<void> {
    this.local ??= new FileIndexer(this.settings);
    const state = { jobs, next: 0 };
    this.active = state;
    while (state.next < jobs.length) {
      const job = jobs[state.next++];
      if (signal?.aborted) { this.active = undefined; throw abortError(); }
      const outcome = await this.local.index(job);
      this.addTimings(this.local.takeTimings());
      onOutcome(outcome);
      await new Promise((r) => setImmediate(r));   // let other requests in between files
    }
    await this.local.flushCache();
    if (this.active === state) this.active = undefined;
  }

  private spawn(): Slot {
    const worker = startWorker();
    const slot: Slot = { worker, inFlight: new Map(), flags: new Int32Array(new SharedArrayBuffer(4 * FLAG_COUNT)) };
    liveFlags.add(slot.flags);
    worker.once('exit', () => liveFlags.delete(slot.flags));
    if (!exitHandler) { exitHandler = true; process.on('exit', stopWorkersBeforeExit); }
    worker.postMessage({ settings: this.settings, flags: slot.flags });
    worker.on('message', (msg: { batch: number; outcomes?: FileOutcome[]; error?: string; timings?: IndexerTimings }) => {
      this.addTimings(msg.timings);
      const jobs = slot.inFlight.get(msg.batch);
      if (!jobs) return;
      slot.inFlight.delete(msg.batch);
      const outcomes = msg.outcomes ?? jobs.map((j) => fileOutcome(j.file, 'skipped', `the index worker failed: ${msg.error}`));
      this.onBatchDone?.(msg.batch, outcomes);
    });
    const fail = (why: string) => {
      const idx = this.slots.indexOf(slot);
      if (idx < 0) return;   // already replaced or terminated on purpose
      const lost = [...slot.inFlight.entries()];
      slot.inFlight.clear();
      if (!this.disposed) this.slots[idx] = this.spawn(); else this.slots.splice(idx, 1);
      for (const [batch, jobs] of lost) {
        this.onBatchDone?.(batch, jobs.map((j) => fileOutcome(j.file, 'skipped', `the index worker died (${why})`)));
      }
    };
    worker.on('error', (e) => fail(e.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    worker.unref();
    return slot;
  }

  /** Stops every worker once its current file is done (see the top of the file); none keeps the process alive. */
  private terminateAll(): void {
    const slots = this.slots;
    this.slots = [];
    for (const s of slots) {
      Atomics.store(s.flags, STOP, 1);      // read between the files of a batch
      s.worker.postMessage({ stop: true });   // an idle worker
      s.worker.unref();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.terminateAll();
  }
}

function startWorker(): Worker {
  if (__filename.endsWith('.ts')) {
    // Running from source: load the TypeScript hook in the worker too.
    const register = path.resolve(__dirname, '..', '..', 'scripts', 'registerTypeScript.js');
    const entry = path.join(__dirname, 'indexWorker.ts');
    return new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(entry)});`, { eval: true });
  }
  const bundled = path.join(__dirname, 'indexWorker.js');
  if (!fs.existsSync(bundled)) {
    throw new Error(`The index worker ${bundled} is missing: run \`npm run build:js\` to bundle it next to ${path.basename(__filename)}.`);
  }
  return new Worker(bundled);
}
