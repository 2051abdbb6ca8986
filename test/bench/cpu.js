#!/usr/bin/env node
// `npm run bench:cpu`: our CPU model runtime against llama.cpp (node-llama-cpp 3.21.1, prebuilt CPU
// binary) in one process, on the same GGUF, the same thread count and the same prompt token ids.
// Measures prompt tokens/s at 512 and 2048 tokens and decode tokens/s (64 greedy steps after a
// 16-token prompt); one warm-up run, then the median of 3. Prints a table with the ratios
// ours/llama.cpp and writes test-results/bench-cpu.json.
// First checks that both compute the same next-token distributions (top-1 agreement, max probability
// gap, KL) on the prompt; last adds one row: our prefill of the longest prompt with UniSparse attention.
//   options: --model PATH  --threads N  --reps N  --prompt 512,2048  --decode 64  --decode-after 16 (prompt
//            tokens before the decode steps: 4096 measures decode against a long KV cache)  --only ours|llama.cpp
//            --reference N (also judge both against the float64 reference on the first N prompt tokens:
//            about 1 s per token and 8 bytes per weight for a 135M model)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { timeRuns, machine } = require('./cpu/stats');
const { promptTokens } = require('./cpu/promptTokens');
const { openLlamaCpp } = require('./cpu/llamaCppRunner');
const { openUniSparse } = require('./cpu/unisparseRunner');
const { nextTokenDistributions, referenceDistributions, distributionStats } = require('./cpu/agreement');

const DEFAULT_MODEL = path.join(os.homedir(), '.cache', 'unisparse', 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf');
const TARGET = { prompt: 0.5, decode: 0.7 }; // the targets, as ours / llama.cpp

function parseArgs(argv) {
  const opts = { model: DEFAULT_MODEL, threads: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    reps: 3, prompt: [512, 2048], decode: 64, decodePrompt: 16, only: null, reference: 0,
    out: path.join(__dirname, '..', '..', 'test-results', 'bench-cpu.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    const num = () => { const n = Number(v); if (!Number.isInteger(n) || n <= 0) usage(`${a} needs a positive integer, got ${v}`); i++; return n; };
    if (a === '--model') { opts.model = path.resolve(v); i++; }
    else if (a === '--threads') opts.threads = num();
    else if (a === '--reps') opts.reps = num();
    else if (a === '--decode') opts.decode = num();
    else if (a === '--decode-after') opts.decodePrompt = num();
    else if (a === '--prompt') { opts.prompt = String(v).split(',').map(Number); i++; if (opts.prompt.some((n) => !(n > 0))) usage(`--prompt needs sizes like 512,2048, got ${v}`); }
    else if (a === '--only') { opts.only = v; i++; if (!['ours', 'llama.cpp'].includes(v)) usage(`--only takes ours or llama.cpp, got ${v}`); }
    else if (a === '--out') { opts.out = path.resolve(v); i++; }
    else if (a === '--reference') opts.reference = num();
    else usage(`unknown argument ${a}`);
  }
  return opts;
}

function usage(problem) {
  console.error(`bench:cpu: ${problem}\nusage: npm run bench:cpu -- [--model PATH] [--threads N] [--reps N] [--prompt 512,2048] [--decode 64] [--decode-after 16] [--only ours|llama.cpp] [--reference N] [--out FILE]`);
  process.exit(2);
}

const fmt = (x, d = 1) => (x == null ? '-' : x.toFixed(d));

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(opts.model)) {
    usage(`model file ${opts.model} not found: run \`npx unisparse fetch-model\` or pass --model PATH to a GGUF file`);
  }
  const contextSize = Math.max(...opts.prompt, opts.decodePrompt + opts.decode + 8) + 64;
  const report = {
    date: new Date().toISOString(), machine: machine(), model: { path: opts.model, bytes: fs.statSync(opts.model).size },
    threads: opts.threads, reps: opts.reps, warmupRuns: 1, results: [], errors: {},
  };
  console.log(`UniSparse Code CPU benchmark, ${report.date}`);
  console.log(`machine: ${report.machine.cpu}, ${report.machine.logicalCores} logical cores, ${report.machine.memoryGiB} GiB, ` +
    `${report.machine.platform}, node ${report.machine.node}, load average ${report.machine.loadAverage.join(' ')}`);
  if (report.machine.loadAverage[0] > report.machine.logicalCores * 0.5) {
    console.log(`warning: load average ${report.machine.loadAverage[0]} on ${report.machine.logicalCores} cores: other work ` +
      'competes for the CPU, so these timings are noisy (llama.cpp\'s spinning threads suffer most); rerun on a quiet machine');
  }
  console.log(`model: ${opts.model} (${(report.model.bytes / 2 ** 20).toFixed(1)} MiB), threads ${opts.threads}, ` +
    `median of ${opts.reps} after 1 warm-up run`);

  // llama.cpp opens first even with --only ours: its tokenizer makes the shared prompt ids.
  const llamaCpp = await openLlamaCpp(opts.model, { threads: opts.threads, contextSize });
  report.llamaCpp = { version: llamaCpp.version };
  const runners = [];
  if (opts.only !== 'llama.cpp') {
    try {
      const ours = openUniSparse(opts.model, { threads: opts.threads, contextSize });
      runners.push(['ours', ours]);
    } catch (e) {
      report.errors.ours = e.message;
      console.error(`our runtime could not run: ${e.message}`);
    }
  }
  if (opts.only !== 'ours') runners.push(['llamaCpp', llamaCpp]);

  const cases = [
    ...opts.prompt.map((n) => ({ kind: 'prompt', tokens: n, label: `prompt ${n}`, ids: promptTokens(llamaCpp.model, n) })),
    { kind: 'decode', tokens: opts.decode, label: `decode ${opts.decode} (after ${opts.decodePrompt})`, ids: promptTokens(llamaCpp.model, opts.decodePrompt) },
  ];
  const ours = runners.find(([k]) => k === 'ours');
  if (ours && opts.only === null) {
    // Same model, same numbers? Every 16th of the first 256 prompt tokens (or every one of the first
    // --reference N, where the float64 reference is the judge).
    const n = opts.reference || 256;
    const ids = cases[0].ids.slice(0, n);
    const positions = ids.map((_, i) => i).filter((i) => opts.reference || i % 16 === 15);
    const d = await nextTokenDistributions(ours[1], llamaCpp.model, ids, positions, opts.threads);
    report.agreement = { oursVsLlamaCpp: distributionStats(d.ours, d.llamaCpp) };
    if (opts.reference) {
      const ref = await referenceDistributions(opts.model, ids);
      report.agreement.oursVsReference = distributionStats(d.ours, ref);
      report.agreement.llamaCppVsReference = distributionStats(d.llamaCpp, ref);
    }
    for (const [what, a] of Object.entries(report.agreement)) {
      console.log(`${what} at ${a.positions} prompt positions: top-1 ${Math.round(a.top1Agreement * a.positions)}/${a.positions}, ` +
        `max probability gap ${a.maxProbabilityGap.toFixed(4)}, mean KL ${a.meanKlNats.toExponential(2)} nats`);
    }
  }
  const largestPrompt = cases.filter((c) => c.kind === 'prompt').pop();
  if (ours && largestPrompt && largestPrompt.tokens >= 1024) {
    // Not part of the llama.cpp comparison target: what UniSparse attention does to the same prefill.
    cases.push({ ...largestPrompt, kind: 'prompt-unisparse', label: `prompt ${largestPrompt.tokens} UniSparse .95`, attention: 'unisparse' });
  }
  for (const c of cases) {
    const row = { kind: c.kind, tokens: c.tokens, label: c.label };
    if (c.attention) {
      ours[1].setAttention('unisparse', 0.95);
      const t = await timeRuns(opts.reps, () => ours[1].prefill(c.ids));
      ours[1].setAttention('dense');
      row.ours = { seconds: t.seconds, cpuSeconds: t.cpuSeconds, medianSeconds: t.median, tokensPerSecond: c.tokens / t.median,
        tokensPerCpuSecond: c.tokens / t.medianCpu, attention: 'unisparse', tau: 0.95 };
      const denseRow = report.results.find((r) => r.kind === 'prompt' && r.tokens === c.tokens);
      if (denseRow && denseRow.llamaCpp) {
        row.ratio = row.ours.tokensPerSecond / denseRow.llamaCpp.tokensPerSecond;
        row.cpuRatio = row.ours.tokensPerCpuSecond / denseRow.llamaCpp.tokensPerCpuSecond;
      }
      row.target = null;
      report.results.push(row);
      continue;
    }
    for (const [key, r] of runners) {
      try {
        const t = await timeRuns(opts.reps, () => (c.kind === 'prompt' ? r.prefill(c.ids) : r.decode(c.ids, c.tokens)));
        row[key] = { seconds: t.seconds, cpuSeconds: t.cpuSeconds, medianSeconds: t.median, tokensPerSecond: c.tokens / t.median,
          tokensPerCpuSecond: c.tokens / t.medianCpu };
      } catch (e) {
        report.errors[key] = report.errors[key] || e.message;
        console.error(`${key} failed on ${c.label}: ${e.message}`);
      }
    }
    if (row.ours && row.llamaCpp) {
      row.ratio = row.ours.tokensPerSecond / row.llamaCpp.tokensPerSecond;
      row.cpuRatio = row.ours.tokensPerCpuSecond / row.llamaCpp.tokensPerCpuSecond;
    }
    row.target = TARGET[c.kind];
    report.results.push(row);
  }
  report.loadAverageAfter = require('os').loadavg().map((x) => Math.round(x * 100) / 100);
  for (const [, r] of runners) await r.close();
  if (!runners.some(([, r]) => r === llamaCpp)) await llamaCpp.close();

  const ratio = (x) => (x == null ? '-' : x.toFixed(2) + 'x');
  console.log('');
  console.log('                              wall clock                                   per CPU-second (robust to load at 1 thread)');
  console.log('case                          ours tok/s  llama.cpp tok/s  ours/llama.cpp  ours tok/s  llama.cpp tok/s  ours/llama.cpp  target');
  for (const r of report.results) {
    console.log(`${r.label.padEnd(28)}  ${fmt(r.ours?.tokensPerSecond).padStart(10)}  ${fmt(r.llamaCpp?.tokensPerSecond).padStart(15)}` +
      `  ${ratio(r.ratio).padStart(14)}  ${fmt(r.ours?.tokensPerCpuSecond).padStart(10)}  ${fmt(r.llamaCpp?.tokensPerCpuSecond).padStart(15)}` +
      `  ${ratio(r.cpuRatio).padStart(14)}  ${r.target == null ? '(vs dense llama.cpp)' : `>= ${r.target}x`}`);
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), opts.out)}`);
  if (Object.keys(report.errors).length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`bench:cpu failed: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
