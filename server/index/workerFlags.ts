// The two flags an index worker shares with its pool (an Int32Array over a SharedArrayBuffer), so that a worker is
// never terminated while it is inside the native parser (see workerPool.ts): the pool sets STOP, and the worker reads
// it between files; the worker sets BUSY while it indexes a file, and an exiting process waits for it to clear.
// The worker sets BUSY before it reads STOP and the pool sets STOP before it reads BUSY, so one of them sees the other.
export const STOP = 0;
export const BUSY = 1;
export const FLAG_COUNT = 2;
