// Timing helpers and the machine description printed with every benchmark result.
'use strict';
const os = require('os');

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A stopwatch of wall time and of this process's CPU time (all threads, user + system). */
function startClock() {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6 };
  };
}

/**
 * Runs `fn` once to warm up, then `reps` times; returns every run's wall and CPU seconds and the medians.
 * CPU time matters on a shared machine: with one thread and no spinning, tokens per CPU-second barely
 * moves when other processes take the cores, while wall time does.
 */
async function timeRuns(reps, fn) {
  await fn(); // warm-up: page in the weights, size the buffers, spin up the thread pool
  const seconds = [], cpuSeconds = [];
  for (let i = 0; i < reps; i++) {
    const stop = startClock();
    const measured = await fn();
    const total = stop();
    // A runner may time its own inner span (e.g. decode steps only) and return it.
    const m = measured && typeof measured.seconds === 'number' ? measured : total;
    seconds.push(m.seconds);
    cpuSeconds.push(m.cpuSeconds);
  }
  return { seconds, cpuSeconds, median: median(seconds), medianCpu: median(cpuSeconds) };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

module.exports = { median, timeRuns, machine, startClock };
