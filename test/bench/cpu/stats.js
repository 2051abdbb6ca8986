// Timing helpers and the machine description printed with every benchmark result.
'use strict';
const os = require('os');

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` once to warm up, then `reps` times; returns every timed run in seconds and the median. */
async function timeRuns(reps, fn) {
  await fn(); // warm-up: page in the weights, size the buffers, spin up the thread pool
  const seconds = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    const measured = await fn();
    const total = Number(process.hrtime.bigint() - t0) / 1e9;
    // A runner may time its own inner span (e.g. decode steps only) and return it.
    seconds.push(typeof measured === 'number' ? measured : total);
  }
  return { seconds, median: median(seconds) };
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

module.exports = { median, timeRuns, machine };
