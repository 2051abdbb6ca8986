#!/usr/bin/env node
// `npm run bench:attention`: the UniSparse CUDA benchmark (test/gpu/run.sh: build, check, time against torch
// SDPA FlashAttention-2 and cuDNN). It needs an NVIDIA GPU with nvcc and PyTorch; elsewhere it says how to run it.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const smi = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' });
if (smi.status !== 0 || !smi.stdout.trim()) {
  console.log(
    'bench:attention needs an NVIDIA GPU (sm_80 or newer) with nvcc and PyTorch; none was found here.\n' +
    'On the GPU machine run, from the project root:\n' +
    '  bash test/gpu/run.sh              # build, correctness checks, plan vs CPU, benchmark\n' +
    '  SKIP_BENCH=1 bash test/gpu/run.sh # checks only\n' +
    'Through the workplace device tool: run the command `bash test/gpu/run.sh` with kind nvidia-h200;\n' +
    'results land in $OUT (run.log, check.json, bench-attention.{json,md,png}, block-mask.png).\n' +
    'The last measured results are committed in test/gpu/results/.');
  process.exit(0);
}
console.log(`GPU: ${smi.stdout.trim()}`);
const run = spawnSync('bash', [path.join(root, 'test', 'gpu', 'run.sh'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' });
process.exit(run.status === null ? 1 : run.status);
