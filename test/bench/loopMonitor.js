// Event-loop delay while something runs, for `npm run bench:index`: the worst delay of a 10 ms timer and, on Linux,
// what the server thread did during that delay, read from /proc/<pid>/task/<tid>/schedstat: its own CPU time (work
// or garbage collection on this thread), time runnable but waiting for a CPU (other threads and processes on a busy
// machine), and the rest (blocked: waiting on garbage-collection helpers or I/O). On a shared machine most of a long
// delay is waiting for a CPU, which no change to this code can remove; the own-CPU part is what this code blocks.
'use strict';
const fs = require('fs');
const { monitorEventLoopDelay } = require('perf_hooks');

const SCHEDSTAT = `/proc/${process.pid}/task/${process.pid}/schedstat`;
// Opened once and read in place at every tick: a readFileSync per 10 ms tick (open, fstat, read, close, on the
// thread being measured) took about 0.1 s of the server thread's CPU per build, from the workers it shares the
// machine with.
let schedstatFd;
const schedstatBuf = Buffer.alloc(128);
/** [on-CPU ms, waiting-for-CPU ms] of this thread so far, or undefined where /proc has no schedstat. */
function threadTimes() {
  try {
    schedstatFd ??= fs.openSync(SCHEDSTAT, 'r');
    const n = fs.readSync(schedstatFd, schedstatBuf, 0, schedstatBuf.length, 0);
    const [run, wait] = schedstatBuf.toString('latin1', 0, n).split(' ').map(Number);
    return [run / 1e6, wait / 1e6];
  } catch { return undefined; }
}

/** Starts watching; stop() returns { loopMaxMs, timerWorstLateMs, worst: { lateMs, ownCpuMs, waitingMs, otherMs }, ownCpuMaxMs }. */
function startLoopMonitor() {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let last = performance.now();
  let lastT = threadTimes();
  let worst = { lateMs: 0, ownCpuMs: 0, waitingMs: 0, otherMs: 0 };
  let ownCpuMaxMs = 0;
  const timer = setInterval(() => {
    const now = performance.now(); const t = threadTimes();
    const late = now - last - 10;
    if (t && lastT) {
      const own = t[0] - lastT[0]; const waiting = t[1] - lastT[1];
      if (late > 10) ownCpuMaxMs = Math.max(ownCpuMaxMs, own);
      if (late > worst.lateMs) worst = { lateMs: late, ownCpuMs: own, waitingMs: waiting, otherMs: Math.max(0, now - last - own - waiting) };
    } else if (late > worst.lateMs) worst = { lateMs: late, ownCpuMs: NaN, waitingMs: NaN, otherMs: NaN };
    last = now; lastT = t;
  }, 10);
  return {
    stop() {
      clearInterval(timer); h.disable();
      if (schedstatFd !== undefined) { try { fs.closeSync(schedstatFd); } catch { /* closed */ } schedstatFd = undefined; }
      return { loopMaxMs: h.max / 1e6, timerWorstLateMs: worst.lateMs, worst, ownCpuMaxMs };
    },
  };
}

/** "245 ms (own CPU 12, waiting for a CPU 220)". */
function describeDelay(m) {
  const w = m.worst;
  const split = Number.isFinite(w.ownCpuMs) ? ` (own CPU ${w.ownCpuMs.toFixed(0)}, waiting for a CPU ${w.waitingMs.toFixed(0)}, other ${w.otherMs.toFixed(0)}); most own CPU in one delay ${m.ownCpuMaxMs.toFixed(0)} ms` : '';
  return `${m.timerWorstLateMs.toFixed(0)} ms${split}`;
}

module.exports = { startLoopMonitor, describeDelay };
