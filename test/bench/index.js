#!/usr/bin/env node
// `npm run bench:index`: the repository index on real public corpora, side by side with the previous release's code
// in the same run. Corpora (test/bench/indexCorpora.js; fetched once with `npm pack` at pinned versions, cached outside
// the repository): a C code base and a JavaScript/TypeScript one of about 18 and 24 MB, and about BENCH_LINES lines
// (default 1,000,000) of this project's node_modules.
//   1. Full index without cache (empty cache folder), each build in a fresh process (indexChild.js), BENCH_REPEAT
//      times (default 2), alternating the previous code and this one: MB/s, CPU seconds, peak RSS, worst
//      event-loop delay, seconds per phase and per language, and whether both found the same definitions.
//   2. The 1M-line corpus: peak RSS of a full build (both codes), then, in this process with this code: one-file
//      re-index latency, context-build latency, and a restart from the on-disk cache.
//   3. A question asked one second after indexing starts on about 50 MB (C + JS/TS + 150,000 lines of node_modules),
//      answered by the real default model: context, the message saying how much was indexed, citations checked
//      against the files. BENCH_ONLY=c,js,nm,ask picks sections.
// The previous code is BENCH_PREVIOUS (commits, comma-separated, default d5591a0, the previous release; `none` skips
// it), each unpacked with `git archive` into the bench cache; definitions are compared with the first. Every code's
// builds run bundled as it ships to users (the extension and the CLI run the esbuild bundle; see bundleIndex), so no
// worker compiles TypeScript at start; BENCH_BUNDLED=0 runs them from source instead (each worker then compiles the
// TypeScript it loads, which costs each build about a second of CPU). Event-loop delays are split into the server thread's own CPU time and its wait for a CPU (loopMonitor.js). Timings on a shared 2-core machine are noisy: CPU seconds (all threads) are
// printed next to wall time, and the machine's load average is recorded.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const root = path.resolve(__dirname, '..', '..');
require(path.join(root, 'test', 'register.js'));
const { startLoopMonitor, describeDelay } = require('./loopMonitor');
const { CACHE, packedCorpus, nodeModulesCorpus, mixedCorpus, corpusSize } = require('./indexCorpora');

const WORKERS = Number(process.env.BENCH_WORKERS || 2);
const REPEAT = Number(process.env.BENCH_REPEAT || 2);
const TARGET_LINES = Number(process.env.BENCH_LINES || 1_000_000);
const PREVIOUS = (process.env.BENCH_PREVIOUS || 'd5591a0').split(',').filter((c) => c && c !== 'none');
const ONLY = (process.env.BENCH_ONLY || 'c,js,nm,ask').split(',');

/** The previous codes' server/ and test/register.js, each unpacked from git into the bench cache. */
function previousCodes() {
  return PREVIOUS.map((ref) => {
    const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
    const dir = path.join(CACHE, `code-${commit}`);
    const has = (p) => { try { execFileSync('git', ['-C', root, 'cat-file', '-e', `${commit}:${p}`], { stdio: 'ignore' }); return true; } catch { return false; } };
    const unpack = (paths) => execFileSync('tar', ['xf', '-', '-C', dir], { input: execFileSync('git', ['-C', root, 'archive', commit, ...paths]) });
    if (!fs.existsSync(path.join(dir, '.complete'))) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      unpack(['server', 'scripts', 'test/register.js', 'package.json'].filter(has));   // older commits have no scripts/
    }
    // A code with the index helpers' addon (native/src/indexing) gets it built below.
    if (!fs.existsSync(path.join(dir, 'native')) && has('native/src/indexing')) unpack(['native']);
    // The cached code runs on this checkout's node_modules: point the link here each run (the cache outlives the
    // checkout that made it, and a link into a deleted one fails to load esbuild).
    const link = path.join(dir, 'node_modules');
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.join(root, 'node_modules'), link);
    // A code with the index helpers runs with its own addon built, as it ships (else it would run their JavaScript
    // twins, which give the same index more slowly).
    const addon = path.join(dir, 'native', 'build', 'Release', 'unisparse_indexing.node');
    if (fs.existsSync(path.join(dir, 'native', 'src', 'indexing')) && !fs.existsSync(addon)) {
      console.error(`building ${commit}'s native addon (once; cached in ${dir})`);
      execFileSync(process.execPath, [path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'compile', '--directory', 'native', '--out', 'native/build'],
        { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    if (!fs.existsSync(path.join(dir, '.complete'))) fs.writeFileSync(path.join(dir, '.complete'), commit + '\n');
    return { dir, commit, key: commit, label: `previous (${commit})` };
  });
}

/**
 * Each code's index as it ships (the default; BENCH_BUNDLED=0: from source), bundled with esbuild the way
 * scripts/bundle.js bundles the server (the repository index and its worker, the native parser's packages left
 * outside), into CODE/.bench-bundle. The workers then start without compiling TypeScript, as in the extension and the
 * CLI; every code is bundled alike. The child builds (indexChild.js) read BENCH_BUNDLED from the environment.
 */
const BUNDLED = process.env.BENCH_BUNDLED !== '0';
process.env.BENCH_BUNDLED = BUNDLED ? '1' : '0';
function bundleIndex(codeDir) {
  const esbuild = require('esbuild');
  esbuild.buildSync({
    absWorkingDir: codeDir,
    entryPoints: { 'server/repoIndex': 'server/index/repoIndex.ts', 'server/indexWorker': 'server/index/indexWorker.ts' },
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', outdir: '.bench-bundle', logLevel: 'warning',
    external: ['vscode', 'tree-sitter', 'tree-sitter-c', 'tree-sitter-cpp', 'tree-sitter-javascript', 'tree-sitter-typescript'],
  });
}

function child(codeDir, corpus, defsOut) {
  const args = [path.join(__dirname, 'indexChild.js'), codeDir, corpus, String(WORKERS)];
  if (defsOut) args.push(defsOut);
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
}

function range(xs, digits = 2) {
  const lo = Math.min(...xs); const hi = Math.max(...xs);
  return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}-${hi.toFixed(digits)}`;
}
function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }
function p95(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; }

/** How many files' definitions (kind, name, lines) the two codes agree on. */
function compareDefs(prevFile, nowFile) {
  const a = JSON.parse(fs.readFileSync(prevFile, 'utf8')); const b = JSON.parse(fs.readFileSync(nowFile, 'utf8'));
  let both = 0; let onlyPrev = 0; let onlyNow = 0; let sameFiles = 0; let files = 0;
  for (const f of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = new Set(a[f] ?? []); const y = new Set(b[f] ?? []);
    files++;
    let same = true;
    for (const d of x) { if (y.has(d)) both++; else { onlyPrev++; same = false; } }
    for (const d of y) if (!x.has(d)) { onlyNow++; same = false; }
    if (same) sameFiles++;
  }
  return { both, onlyPrev, onlyNow, sameFiles, files };
}

async function withLoopMonitor(fn) {
  const monitor = startLoopMonitor();
  try {
    const result = await fn();
    return { result, ...monitor.stop() };
  } catch (e) { monitor.stop(); throw e; }
}

async function loadCounter() {
  try {
    const { defaultModelPath } = require('../../server/models/modelPaths.ts');
    const { loadTokenizer } = require('../../server/tokenizer/tokenizer.ts');
    const model = defaultModelPath();
    if (fs.existsSync(model)) { const tok = await loadTokenizer(model); return { count: (t) => tok.count(t), name: 'model tokenizer' }; }
  } catch (e) { console.error(`(model tokenizer unavailable: ${e.message}; counting ~4 chars per token)`); }
  return { count: (t) => Math.ceil(t.length / 4), name: '~4 characters per token' };
}

async function throughput(name, corpus, previous, results, rows) {
  const size = corpusSize(corpus.dir);
  console.error(`${name}: ${corpus.about}; ${size.files} files, ${(size.bytes / 1e6).toFixed(1)} MB, ${size.lines} lines`);
  const codes = [...previous, { dir: root, key: 'now', label: 'now' }];
  const runs = Object.fromEntries(codes.map((c) => [c.key, []]));
  const defsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-bench-defs-'));
  const first = previous[0];
  try {
    for (let r = 0; r < REPEAT; r++) {
      for (const code of codes) {
        const defs = r === 0 && (code === first || code.key === 'now') ? path.join(defsDir, `${code.key}.json`) : undefined;
        const run = child(code.dir, corpus.dir, defs);
        run.load = os.loadavg()[0];
        runs[code.key].push(run);
        console.error(`  ${code.label} #${r + 1}: ${run.seconds.toFixed(2)} s, ${run.mbPerS.toFixed(2)} MB/s, ${run.cpuSeconds.toFixed(1)} CPU-s, loop ${describeDelay(run)}, load ${run.load.toFixed(1)}`);
      }
    }
    const agreement = first ? compareDefs(path.join(defsDir, `${first.key}.json`), path.join(defsDir, 'now.json')) : undefined;
    results[name] = { corpus: { about: corpus.about, ...size }, workers: WORKERS, bundled: BUNDLED, runs, definitions: agreement && { against: first.commit, ...agreement } };
  } finally { fs.rmSync(defsDir, { recursive: true, force: true }); }
  for (const code of codes) {
    const rs = runs[code.key];
    rows.push([`${name}: full index, ${code.label}${BUNDLED ? ', bundled' : ''}`, `${rs[0].files} files, ${(rs[0].bytes / 1e6).toFixed(1)} MB, ${rs[0].symbols} symbols`,
      `${range(rs.map((x) => x.seconds))} s`, `${range(rs.map((x) => x.mbPerS))} MB/s; ${range(rs.map((x) => x.cpuSeconds), 1)} CPU-s (${range(rs.map((x) => x.bytes / 1e6 / x.cpuSeconds))} MB per CPU-s); load ${range(rs.map((x) => x.load), 1)}`]);
    rows.push([`${name}: ${code.label}, memory and loop`, `peak RSS / worst event-loop delay`, `${range(rs.map((x) => x.peakRssMB), 0)} MB`,
      rs.map((x) => describeDelay(x)).join('; ')]);
  }
  for (const p of previous) {
    const speedup = median(runs.now.map((x) => x.mbPerS)) / median(runs[p.key].map((x) => x.mbPerS));
    const cpuRatio = median(runs[p.key].map((x) => x.cpuSeconds)) / median(runs.now.map((x) => x.cpuSeconds));
    rows.push([`${name}: now / ${p.label}`, `median of ${REPEAT} runs each`, `${speedup.toFixed(2)}x MB/s`, `${cpuRatio.toFixed(2)}x less CPU`]);
  }
  if (first) {
    const d = results[name].definitions;
    rows.push([`${name}: definitions`, `now vs ${first.label} (kind, name, lines)`, `${d.both} in both`,
      `${d.onlyPrev} only previous, ${d.onlyNow} only now; ${d.sameFiles}/${d.files} files identical`]);
  }
  const last = runs.now[runs.now.length - 1];
  const t = last.timings;
  if (t) {
    const phases = Object.entries(t.phases).filter(([, s]) => s >= 0.005).map(([p, s]) => `${p} ${s.toFixed(2)}`).join(', ');
    rows.push([`${name}: phases, now`, 'seconds summed over threads', phases, `file graph ${last.fileGraphSeconds.toFixed(2)} s`]);
    const langs = Object.entries(t.languages).map(([l, s]) => `${l} ${s.files} files ${(s.bytes / 1e6).toFixed(1)} MB ${s.seconds.toFixed(2)} s (${(s.bytes / 1e6 / s.seconds).toFixed(1)} MB/s)`).join('; ');
    rows.push([`${name}: languages, now`, 'worker seconds per language', langs, '']);
  }
}

async function largeCorpus(corpus, previous, results, rows) {
  const size = corpusSize(corpus.dir);
  console.error(`nm: ${corpus.about}; ${size.files} files, ${(size.bytes / 1e6).toFixed(1)} MB`);
  const memory = {};
  for (const code of [...previous, { dir: root, key: 'now', label: 'now' }]) {
    const run = child(code.dir, corpus.dir);
    run.load = os.loadavg()[0];
    memory[code.key] = run;
    rows.push([`1M lines: full index, ${code.label}`, `${run.files} files, ${(run.bytes / 1e6).toFixed(1)} MB, ${size.lines} lines`,
      `${run.seconds.toFixed(1)} s, ${run.mbPerS.toFixed(2)} MB/s`, `peak RSS ${run.peakRssMB.toFixed(0)} MB; loop ${describeDelay(run)}; load ${run.load.toFixed(1)}`]);
  }
  results.nm = { corpus: { about: corpus.about, ...size }, memory };

  // In this process, with this code: updates, context builds, restart.
  const { RepoIndex } = require('../../server/index/repoIndex.ts');
  const { buildContext } = require('../../server/context/buildContext.ts');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-bench-cache-'));
  const edited = path.join(corpus.dir, 'edited.ts');
  const editedSource = fs.readFileSync(path.join(root, 'server', 'context', 'buildContext.ts'), 'utf8');
  fs.writeFileSync(edited, editedSource);
  try {
    // What the machine alone does to a 10 ms timer (other processes on a shared box), to read the delays against.
    const idle = await withLoopMonitor(() => new Promise((r) => setTimeout(r, 3000)));
    results.idleLoop = { loopMaxMs: idle.loopMaxMs, timerWorstLateMs: idle.timerWorstLateMs };
    rows.push(['event loop, idle baseline', '3 s doing nothing (machine noise)', describeDelay(idle), `load ${os.loadavg()[0].toFixed(1)}`]);
    const cold = await withLoopMonitor(() => RepoIndex.build(corpus.dir, { cacheDir, defaultExcludes: false, workers: WORKERS }));
    const index = cold.result;
    results.loop = { loopMaxMs: cold.loopMaxMs, timerWorstLateMs: cold.timerWorstLateMs, worst: cold.worst, ownCpuMaxMs: cold.ownCpuMaxMs, load: os.loadavg()[0] };
    rows.push(['1M lines: event loop while indexing', 'worst delay of a 10 ms timer (in-process build)', describeDelay(cold), `load ${os.loadavg()[0].toFixed(1)}`]);
    const edits = [];
    for (let i = 0; i < 20; i++) {
      fs.writeFileSync(edited, editedSource + `\nexport const edit${i} = ${i};\n`);
      const t = performance.now();
      await index.update([edited], []);
      edits.push(performance.now() - t);
    }
    results.update = { medianMs: median(edits), p95Ms: p95(edits), fileBytes: editedSource.length };
    rows.push(['one-file re-index', `${(editedSource.length / 1024).toFixed(0)} KB .ts file, 20 edits`, `${median(edits).toFixed(1)} ms median`, `p95 ${p95(edits).toFixed(1)} ms`]);
    const counter = await loadCounter();
    const questions = [
      'How does the TypeScript checker resolve overloaded call signatures?',
      'Where is the language client started and how are its middleware hooks called?',
      'How does createSourceFile parse a file?',
      'Explain how tokenizers handle pre-tokenization of whitespace',
      'what does this package do',
    ];
    buildContext(index, { question: questions[0], budgetTokens: 6000, countTokens: counter.count });
    const times = [];
    for (const q of questions) {
      const t = performance.now();
      buildContext(index, { question: q, budgetTokens: 6000, countTokens: counter.count });
      times.push(performance.now() - t);
    }
    results.context = { medianMs: median(times), maxMs: Math.max(...times), counter: counter.name };
    rows.push(['context build', `budget 6000 tokens, ${questions.length} questions, ${counter.name}`, `${median(times).toFixed(0)} ms median`, `max ${Math.max(...times).toFixed(0)} ms`]);
    index.dispose();
    const warm = await withLoopMonitor(() => RepoIndex.build(corpus.dir, { cacheDir, defaultExcludes: false, workers: WORKERS }));
    const ws = warm.result.stats();
    results.restart = { seconds: ws.seconds, mbPerS: ws.bytes / 1e6 / ws.seconds, cache: warm.result.cacheStats(), loopMaxMs: warm.loopMaxMs, timerWorstLateMs: warm.timerWorstLateMs };
    rows.push(['restart from cache', `${warm.result.cacheStats().hits} hits, ${warm.result.cacheStats().misses} misses`, `${ws.seconds.toFixed(1)} s`,
      `${results.restart.mbPerS.toFixed(2)} MB/s; loop ${describeDelay(warm)}`]);
    warm.result.dispose();
  } finally {
    fs.rmSync(edited, { force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * A question asked one second after indexing starts on a ~50 MB repository, answered by the real default model:
 * the answer must come with a packed context, a message saying how much was indexed, and citations that are real
 * lines of real files.
 */
async function askWhileIndexing(corpus, results, rows) {
  const { RepoIndex } = require('../../server/index/repoIndex.ts');
  const { runAsk } = require('../../server/ask/askPipeline.ts');
  const { defaultModelPath } = require('../../server/models/modelPaths.ts');
  if (!fs.existsSync(defaultModelPath())) { rows.push(['ask while indexing', 'skipped: run `unisparse fetch-model` first', '', '']); return; }
  const size = corpusSize(corpus.dir);
  const question = 'How does git_repository_open_ext find the repository folder?';
  console.error(`ask: ${corpus.about}; ${size.files} files, ${(size.bytes / 1e6).toFixed(1)} MB; asking one second after the start`);
  const started = performance.now();
  const index = RepoIndex.start(corpus.dir, { cacheDir: null, defaultExcludes: false, workers: WORKERS });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const atQuestion = index.coverage();
    const asked = performance.now();
    const result = await runAsk({ repo: corpus.dir, question, index, maxNewTokens: 96, log: (l) => console.error(`  ${l}`) });
    const answeredMs = performance.now() - asked;
    // Citations must be real lines: the file exists in the corpus and holds the cited line range.
    const bad = result.citations.filter((c) => {
      const file = path.join(corpus.dir, c.file);
      if (!fs.existsSync(file)) return true;
      const lines = fs.readFileSync(file, 'utf8').split('\n').length;
      return !(c.startLine >= 1 && c.endLine >= c.startLine && c.endLine <= lines);
    });
    const chunks = result.stats.contextChunks ?? [];
    results.ask = {
      corpus: { about: corpus.about, ...size }, question, askedAfterMs: asked - started, answeredMs, coverageAtQuestion: atQuestion,
      index: result.stats.index, contextChunks: chunks.length, contextTokens: result.stats.contextTokens,
      contextFiles: [...new Set(chunks.map((c) => c.file))].slice(0, 10), citations: result.citations, badCitations: bad, answer: result.answer,
    };
    rows.push(['ask while indexing', `${(size.bytes / 1e6).toFixed(0)} MB, ${size.files} files; asked ${((asked - started) / 1000).toFixed(1)} s after start`,
      `answered in ${(answeredMs / 1000).toFixed(1)} s`, result.stats.index?.message ?? 'index was already complete']);
    rows.push(['ask while indexing: answer', `${chunks.length} context chunks, ${result.stats.contextTokens} tokens`,
      `${result.citations.length} citations, ${bad.length} not real`, `context files: ${results.ask.contextFiles.slice(0, 3).join(', ')}`]);
  } finally { index.dispose(); }
}

async function main() {
  const previous = previousCodes();
  if (BUNDLED) for (const dir of [...previous.map((p) => p.dir), root]) bundleIndex(dir);
  const results = {
    date: new Date().toISOString(),
    machine: `${process.env.BENCH_MACHINE ? process.env.BENCH_MACHINE + ': ' : ''}${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg().map((x) => x.toFixed(1)).join('/')} at the start`,
    workers: WORKERS, previous: previous.map((p) => p.commit),
  };
  const rows = [];
  if (ONLY.includes('c')) await throughput('C', packedCorpus('c'), previous, results, rows);
  if (ONLY.includes('js')) await throughput('JS/TS', packedCorpus('js'), previous, results, rows);
  if (ONLY.includes('nm')) await largeCorpus(nodeModulesCorpus(root, TARGET_LINES), previous, results, rows);
  if (ONLY.includes('ask')) {
    const mix = mixedCorpus({ c: packedCorpus('c'), js: packedCorpus('js'), nm: nodeModulesCorpus(root, 150_000) });
    // A failure here (no model, no native addon) must not lose the sections measured before it.
    try { await askWhileIndexing(mix, results, rows); } catch (e) {
      results.ask = { error: e.message };
      rows.push(['ask while indexing', `failed: ${e.message.split('\n')[0]}`, '', '']);
    }
  }
  results.loadAtEnd = os.loadavg();
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 10));
  console.log(`\nbench:index on ${results.machine}; ${WORKERS} workers; previous code ${previous.map((p) => p.commit).join(', ') || '(skipped)'}\n`);
  for (const r of rows) console.log(r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join(' | '));
  fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'test-results', 'bench-index.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('\nwrote test-results/bench-index.json');
}

main().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
