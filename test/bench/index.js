#!/usr/bin/env node
// `npm run bench:index`: the repository index and context engine on a large real corpus already on this machine.
// The corpus is the project's own node_modules (default excludes off, files over 1 MiB and minified files still
// skipped), taken package by package in name order until it holds BENCH_LINES lines (default 1,000,000), and
// linked into a temp folder. Measures: full index MB/s and files/s (cold, no cache), a restart from the on-disk
// cache, one-file re-index latency, context-build latency, and the worst event-loop delay while indexing (what an
// unrelated LSP request would wait). Prints a table and writes test-results/bench-index.json.
// Timings on a shared 2-core machine are noisy: rerun on a quiet machine before quoting them.
// BENCH_CORPUS=DIR benchmarks an existing folder instead (e.g. on a machine without node_modules); BENCH_BUNDLED
// is set by the esbuild bundle of this script (dist/server/benchIndex.js), which needs no TypeScript hook.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
if (process.env.BENCH_BUNDLED !== '1') require(path.join(__dirname, '..', 'register.js'));
const { monitorEventLoopDelay } = require('perf_hooks');
const { RepoIndex } = require('../../server/index/repoIndex.ts');
const { buildContext } = require('../../server/context/buildContext.ts');

const root = path.resolve(__dirname, '..', '..');   // test/bench/ and dist/server/ both sit two levels down
const TARGET_LINES = Number(process.env.BENCH_LINES || 1_000_000);
const WORKERS = Number(process.env.BENCH_WORKERS || 2);
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx|py|go|rs|java|c|h|cc|cpp|hpp|cs|rb|sh|md|json)$/;

function countLines(dir, budget) {
  let lines = 0; let files = 0;
  const stack = [dir];
  while (stack.length && lines < budget) {
    const d = stack.pop();
    let entries;
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { continue; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && SOURCE.test(e.name)) {
        const st = fs.statSync(p);
        if (st.size > 1024 * 1024 || e.name.endsWith('.min.js')) continue;
        const text = fs.readFileSync(p, 'latin1');
        let n = 0; for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
        lines += n; files++;
      }
    }
  }
  return { lines, files };
}

/** A temp folder of symlinks to whole packages of node_modules, about TARGET_LINES lines of source in all. */
function assembleCorpus() {
  const nm = path.join(root, 'node_modules');
  const corpus = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-bench-corpus-'));
  const packages = [];
  for (const name of fs.readdirSync(nm).sort()) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) { for (const sub of fs.readdirSync(path.join(nm, name)).sort()) packages.push(`${name}/${sub}`); } else packages.push(name);
  }
  let lines = 0; const used = [];
  for (const pkg of packages) {
    if (lines >= TARGET_LINES) break;
    const counted = countLines(path.join(nm, pkg), TARGET_LINES - lines + 1);
    if (!counted.files) continue;
    lines += counted.lines;
    const link = path.join(corpus, pkg.replace('/', '__'));
    fs.symlinkSync(path.join(nm, pkg), link);
    used.push(pkg);
  }
  return { corpus, lines, packages: used.length };
}

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }
function p95(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; }

/** Worst event-loop delay while `fn` runs: the histogram, plus a 10 ms timer's worst lateness as a cross-check. */
async function withLoopMonitor(fn) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let worstTimer = 0; let last = performance.now();
  const timer = setInterval(() => { const now = performance.now(); worstTimer = Math.max(worstTimer, now - last - 10); last = now; }, 10);
  try {
    const result = await fn();
    return { result, loopMaxMs: h.max / 1e6, loopP99Ms: h.percentile(99) / 1e6, timerWorstLateMs: worstTimer };
  } finally { clearInterval(timer); h.disable(); }
}

async function loadCounter() {
  try {
    const { defaultModelPath } = require('../../server/models/modelPaths.ts');
    const { loadTokenizer } = require('../../server/tokenizer/tokenizer.ts');
    const model = defaultModelPath();
    if (fs.existsSync(model)) {
      const tok = await loadTokenizer(model);
      return { count: (t) => tok.count(t), name: `model tokenizer (${path.basename(model)})` };
    }
  } catch (e) { console.error(`(model tokenizer unavailable: ${e.message}; counting ~4 chars per token)`); }
  return { count: (t) => Math.ceil(t.length / 4), name: '~4 characters per token' };
}

function existingCorpus(dir) {
  return { corpus: path.resolve(dir), lines: countLines(path.resolve(dir), Infinity).lines, packages: fs.readdirSync(dir).length, existing: true };
}

async function main() {
  const { corpus, lines, packages, existing } = process.env.BENCH_CORPUS ? existingCorpus(process.env.BENCH_CORPUS) : assembleCorpus();
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-bench-cache-'));
  // A real file in the corpus root for the re-index measurement (node_modules itself is never written).
  const editedSource = fs.readFileSync(path.join(root, 'server', 'context', 'buildContext.ts'), 'utf8');
  fs.writeFileSync(path.join(corpus, 'edited.ts'), editedSource);
  const rows = [];
  const results = { machine: `${process.env.BENCH_MACHINE ? process.env.BENCH_MACHINE + ': ' : ''}${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg().map((x) => x.toFixed(1)).join('/')}`,
    corpus: { source: 'node_modules packages (default excludes off)', packages, lines }, workers: WORKERS };
  try {
    // What the machine alone does to a 10 ms timer (other processes on a shared box), to read the numbers below against.
    const idle = await withLoopMonitor(() => new Promise((r) => setTimeout(r, 3000)));
    results.idleLoop = { loopMaxMs: idle.loopMaxMs, timerWorstLateMs: idle.timerWorstLateMs };
    rows.push(['event loop, idle baseline', '3 s doing nothing (machine noise)', `${idle.loopMaxMs.toFixed(1)} / ${idle.timerWorstLateMs.toFixed(1)} ms`, `p99 ${idle.loopP99Ms.toFixed(1)} ms`]);
    console.error(`corpus: ${packages} packages, ${lines} lines; indexing with ${WORKERS} workers ...`);
    const cpuBefore = process.cpuUsage();
    const cold = await withLoopMonitor(() => RepoIndex.build(corpus, { cacheDir, defaultExcludes: false, workers: WORKERS }));
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const index = cold.result;
    const s = index.stats();
    results.full = { files: s.files, bytes: s.bytes, symbols: s.symbols, seconds: s.seconds, mbPerS: s.bytes / 1e6 / s.seconds,
      cpuSeconds, mbPerCpuSecond: s.bytes / 1e6 / cpuSeconds,
      filesPerS: s.files / s.seconds, skipped: index.skipped().length, loopMaxMs: cold.loopMaxMs, loopP99Ms: cold.loopP99Ms, timerWorstLateMs: cold.timerWorstLateMs };
    rows.push(['full index (cold)', `${s.files} files, ${(s.bytes / 1e6).toFixed(1)} MB, ${s.symbols} symbols`, `${s.seconds.toFixed(1)} s`,
      `${results.full.mbPerS.toFixed(2)} MB/s, ${results.full.filesPerS.toFixed(0)} files/s`]);
    rows.push(['full index CPU time', `all threads (load-independent)`, `${cpuSeconds.toFixed(1)} CPU-s`,
      `${results.full.mbPerCpuSecond.toFixed(2)} MB per CPU-second`]);
    rows.push(['event loop while indexing', 'worst delay (histogram / 10 ms timer)', `${cold.loopMaxMs.toFixed(1)} / ${cold.timerWorstLateMs.toFixed(1)} ms`, `p99 ${cold.loopP99Ms.toFixed(1)} ms`]);

    // One-file re-index: edit, update, repeat.
    const edits = [];
    for (let i = 0; i < 20; i++) {
      fs.writeFileSync(path.join(corpus, 'edited.ts'), editedSource + `\nexport const edit${i} = ${i};\n`);
      const t = performance.now();
      await index.update([path.join(corpus, 'edited.ts')], []);
      edits.push(performance.now() - t);
    }
    results.update = { medianMs: median(edits), p95Ms: p95(edits), fileBytes: editedSource.length };
    rows.push(['one-file re-index', `${(editedSource.length / 1024).toFixed(0)} KB .ts file, 20 edits`, `${median(edits).toFixed(1)} ms median`, `p95 ${p95(edits).toFixed(1)} ms`]);

    // Context build for questions, with the model's tokenizer counting tokens.
    const counter = await loadCounter();
    const questions = [
      'How does the TypeScript checker resolve overloaded call signatures?',
      'Where is the language client started and how are its middleware hooks called?',
      'How does createSourceFile parse a file?',
      'Explain how tokenizers handle pre-tokenization of whitespace',
      'what does this package do',
    ];
    const times = []; let tokens = 0; let chunks = 0;
    buildContext(index, { question: questions[0], budgetTokens: 6000, countTokens: counter.count });   // warm caches (file graph)
    for (const q of questions) {
      const t = performance.now();
      const ctx = buildContext(index, { question: q, budgetTokens: 6000, countTokens: counter.count });
      times.push(performance.now() - t);
      tokens += ctx.tokens; chunks += ctx.chunks.length;
    }
    const firstAfterUpdate = (() => {
      // The file graph is rebuilt lazily after a change: the first build after an edit pays for it.
      fs.writeFileSync(path.join(corpus, 'edited.ts'), editedSource);
      return index.update([path.join(corpus, 'edited.ts')], []).then(() => {
        const t = performance.now();
        buildContext(index, { question: questions[0], budgetTokens: 6000, countTokens: counter.count });
        return performance.now() - t;
      });
    })();
    results.context = { medianMs: median(times), maxMs: Math.max(...times), firstAfterEditMs: await firstAfterUpdate, budgetTokens: 6000,
      avgTokens: tokens / questions.length, avgChunks: chunks / questions.length, counter: counter.name };
    rows.push(['context build', `budget 6000 tokens, ${questions.length} questions, ${counter.name}`, `${median(times).toFixed(0)} ms median`,
      `max ${Math.max(...times).toFixed(0)} ms; first after an edit ${results.context.firstAfterEditMs.toFixed(0)} ms`]);
    index.dispose();

    // Restart: the same corpus with the cache the cold run wrote.
    const warm = await withLoopMonitor(() => RepoIndex.build(corpus, { cacheDir, defaultExcludes: false, workers: WORKERS }));
    const ws = warm.result.stats();
    results.restart = { seconds: ws.seconds, mbPerS: ws.bytes / 1e6 / ws.seconds, cache: warm.result.cacheStats(), loopMaxMs: warm.loopMaxMs };
    rows.push(['restart from cache', `${warm.result.cacheStats().hits} hits, ${warm.result.cacheStats().misses} misses`, `${ws.seconds.toFixed(1)} s`,
      `${results.restart.mbPerS.toFixed(2)} MB/s; loop max ${warm.loopMaxMs.toFixed(1)} ms`]);
    warm.result.dispose();
  } finally {
    if (existing) fs.rmSync(path.join(corpus, 'edited.ts'), { force: true }); else fs.rmSync(corpus, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 10));
  console.log(`\nbench:index on ${results.machine}; corpus ${results.corpus.packages} packages, ${results.corpus.lines} lines\n`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join(' | '));
  fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'test-results', 'bench-index.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('\nwrote test-results/bench-index.json');
}

main().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
