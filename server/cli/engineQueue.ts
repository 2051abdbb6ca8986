/**
 * Admission to the engine for `unisparse serve`: one generation runs at a time (the engine process is one model),
 * at most `maxQueued` wait behind it, and the next one is refused with 429 so that a burst turns into quick
 * "try again" answers instead of minutes-long waits and unbounded memory. A waiter whose client goes away
 * leaves the queue.
 */
import { HttpError } from './serveErrors';

export class EngineQueue {
  private running = 0;
  private readonly waiters: Array<{ go: () => void }> = [];

  constructor(readonly maxQueued: number, private readonly concurrency = 1) {}

  get queued(): number { return this.waiters.length; }
  get active(): number { return this.running; }

  /** Whether a new request would be refused now (checked before any costly work on it). */
  full(): boolean { return this.running >= this.concurrency && this.waiters.length >= this.maxQueued; }

  /** Waits for a turn; returns the release function. Rejects with 429 when the queue is full. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.running < this.concurrency) { this.running++; return this.releaser(); }
    if (this.waiters.length >= this.maxQueued) throw busy(this.maxQueued);
    await new Promise<void>((resolve, reject) => {
      const waiter = { go: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        const e = new Error('The client went away while the request was queued.');
        e.name = 'AbortError';
        reject(e);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.go(); else this.running--;
    };
  }
}

export function busy(maxQueued: number): HttpError {
  return new HttpError(429, `The server is busy (${maxQueued} requests already waiting). Retry in a few seconds.`, undefined, { 'retry-after': '5' });
}
