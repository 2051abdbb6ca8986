#!/usr/bin/env bash
# `npm test`: type-check, build, then every suite this machine can run:
#   unit (no model) -> model (real SmolLM2 on the CPU) -> host (real VS Code host) -> gpu (only with an NVIDIA GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
echo "== typecheck"; npm run --silent typecheck
echo "== build";     npm run --silent build
echo "== unit";      npm run --silent test:unit
echo "== model";     node server/cli/bin.js fetch-model && npm run --silent test:model
echo "== host";      npm run --silent test:host
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  echo "== gpu"; bash test/gpu/run.sh
else
  echo "== gpu: skipped: no NVIDIA GPU on this machine (nvidia-smi not found). Run test/gpu/run.sh on the GPU machine."
fi
