#!/usr/bin/env bash
# Links engine_e2e against the CUDA runtime that `test/gpu/eval/run.sh build` left on the GPU machine, for the
# scripts that prefill real-source windows with it (top1_windows.sh, top1_cross_device.sh, cpu_chunk_sweep.sh):
#   bash test/gpu/e2e/build_eval_engine.sh OUT_BINARY
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT_BINARY=${1:?where to write engine_e2e}
BUILD=/tmp/unisparse-eval-build; STAGE=/tmp/unisparse-eval/native
[ -n "$(find $BUILD -name libunisparse_cuda.a 2>/dev/null | head -1)" ] || { echo "no CUDA runtime build in $BUILD: run test/gpu/eval/run.sh build first" >&2; exit 1; }
export PATH=/usr/local/cuda/bin:$PATH
g++ -O2 -std=c++17 -DUNISPARSE_WITH_CUDA=1 -I$STAGE/include -I$STAGE/src test/gpu/e2e/engine_e2e.cpp \
  -Wl,--start-group $(find $BUILD -name libunisparse_core.a | head -1) $(find $BUILD -name libunisparse_cuda.a | head -1) -Wl,--end-group \
  -L"$(dirname "$(command -v nvcc)")/../lib64" -lcudart_static -lcublas -lcublasLt -ldl -lrt -lpthread -o "$OUT_BINARY"
