#!/usr/bin/env node
// `npm run bench:e2e`: the whole model on the GPU (test/gpu/e2e/run.sh): build, logits checks against
// transformers, then time to first token / decode / follow-up of our engine against transformers + SDPA
// (FlashAttention-2 and cuDNN) on the same random-weight Qwen2.5-Coder-shaped models. GPU machine only.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const smi = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' });
if (smi.status !== 0 || !smi.stdout.trim()) {
  console.log(
    'bench:e2e needs an NVIDIA GPU (sm_80 or newer) with nvcc, PyTorch and transformers; none was found here.\n' +
    'On the GPU machine run, from the project root:\n' +
    '  SHAPES="1.5b 7b" LENGTHS=8192,32768,65536,131072 DECODE=32768,131072 bash test/gpu/e2e/run.sh\n' +
    '  SKIP_BENCH=1 bash test/gpu/e2e/run.sh   # logits checks only\n' +
    'Results land in $OUT (e2e.log, e2e.json, e2e.md); plot: python3 test/gpu/e2e/plot_e2e.py e2e.json media/e2e-ttft.png.\n' +
    'The last measured results are committed in test/gpu/results/.');
  process.exit(0);
}
console.log(`GPU: ${smi.stdout.trim()}`);
const run = spawnSync('bash', [path.join(root, 'test', 'gpu', 'e2e', 'run.sh'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' });
process.exit(run.status === null ? 1 : run.status);
