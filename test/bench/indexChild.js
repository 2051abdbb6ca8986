// One full index build in a fresh process, for `npm run bench:index`: each build gets its own peak RSS and CPU
// time, and the previous release's code (CODE=another checkout) runs under the same conditions as this one.
// Usage: node indexChild.js CODE_DIR CORPUS_DIR WORKERS [DEFS_OUT.json] (BENCH_BUNDLED=1: the bundled code)
// Prints one JSON line: files, bytes, symbols, seconds, cpuSeconds, peakRssMB, loop delay, phases, languages.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startLoopMonitor } = require('./loopMonitor');

const [codeDir, corpus, workersArg, defsOut] = process.argv.slice(2);
// BENCH_BUNDLED=1: the code as it ships, bundled (index.js's bundleIndex), so that no worker compiles TypeScript first.
const bundled = process.env.BENCH_BUNDLED === '1';
if (!bundled) require(path.join(codeDir, 'test', 'register.js'));
const { RepoIndex } = bundled
  ? require(path.join(codeDir, '.bench-bundle', 'server', 'repoIndex.js'))
  : require(path.join(codeDir, 'server', 'index', 'repoIndex.ts'));

async function main() {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-bench-cache-'));
  try {
    const cpu0 = process.cpuUsage();
    const monitor = startLoopMonitor();
    const started = performance.now();
    const index = await RepoIndex.build(corpus, { cacheDir, defaultExcludes: false, workers: Number(workersArg) });
    const wall = (performance.now() - started) / 1000;
    const loop = monitor.stop();
    const cpu = process.cpuUsage(cpu0);
    // The symbol graph's file edges are built on the first question; time it here so the table shows it.
    const g0 = performance.now();
    index.graph.fileGraph();
    const fileGraphSeconds = (performance.now() - g0) / 1000;
    const s = index.stats();
    const out = {
      files: s.files, bytes: s.bytes, symbols: s.symbols, seconds: wall, mbPerS: s.bytes / 1e6 / wall,
      cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024,
      ...loop, fileGraphSeconds, languages: s.languages,
      timings: typeof index.timings === 'function' ? index.timings() : undefined,
    };
    if (defsOut) {
      const defs = {};
      for (const f of index.fileList()) defs[f] = index.definitionsIn(f).map((d) => `${d.kind} ${d.name} ${d.startLine}-${d.endLine}`);
      fs.writeFileSync(defsOut, JSON.stringify(defs));
    }
    index.dispose();
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => { console.error(e.stack || e.message); process.exit(1); });
