#!/usr/bin/env node
// `npm run bench:serve`: a bounded load test of `unisparse serve` on 127.0.0.1 with the real default model.
// CLIENTS concurrent clients (default 32) send chat completions for SECONDS (default 60): short greedy questions,
// half of them streamed. Every answer is checked against the same question's answer taken once before the load
// (greedy decoding is deterministic), so a lost request (error, reset, 429, timeout) or a corrupted one (wrong
// text, a stream without [DONE], broken JSON) is counted, never hidden. Prints latency percentiles and writes
// test-results/bench-serve.json. Flags: --clients N --seconds S --max-tokens N; --source runs the TypeScript.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const CLIENTS = arg('clients', 32);
const SECONDS = arg('seconds', 60);
const MAX_TOKENS = arg('max-tokens', 12);
const KEY = 'bench-key-0123456789';
const QUESTIONS = [
  'What is the capital city of France? Answer in one sentence.',
  'Name a programming language that runs in web browsers.',
  'What does CPU stand for?',
  'Write one word that rhymes with cat.',
];

function startServe() {
  const entry = process.argv.includes('--source')
    ? ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts')]
    : [path.join(root, 'server', 'cli', 'bin.js')];
  const child = spawn(process.execPath, [...entry, 'serve', '--port', '0', '--max-queue', String(CLIENTS * 2)],
    { cwd: root, env: { ...process.env, UNISPARSE_API_KEY: KEY }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(err);
      if (m) resolve({ child, base: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

async function ask(base, question, stream) {
  const r = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: question }], temperature: 0, max_tokens: MAX_TOKENS, stream }),
    signal: AbortSignal.timeout(300_000),
  });
  const body = await r.text();
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${body.slice(0, 200)}`);
  if (!stream) return JSON.parse(body).choices[0].message.content;
  const events = body.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  if (events[events.length - 1] !== '[DONE]') throw new Error('stream without [DONE]');
  let text = '';
  for (const e of events.slice(0, -1)) {
    const j = JSON.parse(e);
    if (j.error) throw new Error(`stream error: ${j.error.message}`);
    text += j.choices[0].delta.content ?? '';
  }
  return text;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function main() {
  const { child, base } = await startServe();
  try {
    const expected = [];
    for (const q of QUESTIONS) expected.push(await ask(base, q, false));
    const latencies = [];
    const failures = [];
    let corrupted = 0; let completed = 0; let streamed = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const loadAvg = os.loadavg()[0];
    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const qi = (c + n) % QUESTIONS.length;
        const stream = (c + n) % 2 === 0;
        const t0 = performance.now();
        try {
          const text = await ask(base, QUESTIONS[qi], stream);
          latencies.push(performance.now() - t0);
          completed++;
          if (stream) streamed++;
          if (text !== expected[qi]) { corrupted++; failures.push(`client ${c}: answer differs: ${JSON.stringify(text)} vs ${JSON.stringify(expected[qi])}`); }
        } catch (e) {
          failures.push(`client ${c}: ${e.message}`);
        }
      }
    }));
    const wall = (Date.now() - started) / 1000;
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
    latencies.sort((a, b) => a - b);
    const lost = failures.length - corrupted;
    const result = {
      date: new Date().toISOString(), host: `${os.cpus()[0].model}, ${os.cpus().length} CPUs`, node: process.version, loadAverageAtStart: loadAvg,
      clients: CLIENTS, seconds: SECONDS, wallSeconds: wall, maxTokens: MAX_TOKENS, completed, streamed, lost, corrupted,
      requestsPerSecond: completed / wall,
      latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] },
      completionTokens: Number(/^unisparse_completion_tokens_total (\d+)$/m.exec(metrics)?.[1]),
      failures: failures.slice(0, 20),
    };
    fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'test-results', 'bench-serve.json'), JSON.stringify(result, null, 2) + '\n');
    const ms = (x) => `${(x / 1000).toFixed(2)} s`;
    console.log(`| clients | seconds | completed (streamed) | lost | corrupted | req/s | p50 | p90 | p99 | max |`);
    console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
    console.log(`| ${CLIENTS} | ${SECONDS} | ${completed} (${streamed}) | ${lost} | ${corrupted} | ${result.requestsPerSecond.toFixed(2)} | ${ms(result.latencyMs.p50)} | ${ms(result.latencyMs.p90)} | ${ms(result.latencyMs.p99)} | ${ms(result.latencyMs.max)} |`);
    if (failures.length) { console.log(failures.slice(0, 5).join('\n')); process.exitCode = 1; }
  } finally {
    child.kill('SIGINT');
  }
}

main().catch((e) => { console.error(`bench:serve: ${e.message}`); process.exit(1); });
