#!/usr/bin/env bash
# Builds, checks and benchmarks the UniSparse CUDA kernels in one go, on the GPU machine (see test/gpu/README.md).
#   bash test/gpu/run.sh            # build + correctness + plan-vs-CPU + benchmark
#   SKIP_BENCH=1 bash test/gpu/run.sh   (SKIP_ADDON=1 skips the Node addon build and check)
# Writes run.log, check.json and bench-attention.{json,md,png}, block-mask.png under $OUT (or ./gpu-out).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/gpu-out}"; export OUT; mkdir -p "$OUT"
BUILD="${BUILD:-/tmp/unisparse-gpu-build}"; mkdir -p "$BUILD"
LOG="$OUT/run.log"
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1
say() { echo "== $*" | tee -a "$LOG"; }
status=0

say "$(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv,noheader 2>&1)"
say "$(nvcc --version | tail -1)"
# Same flags as native/CMakeLists.txt: sm_90a machine code + compute_80 PTX for other GPUs.
FLAGS=(-O3 -std=c++17 --use_fast_math -lineinfo --expt-relaxed-constexpr -Xcompiler -fPIC -Inative/src -Inative/cuda)
ARCH=(-gencode=arch=compute_90a,code=sm_90a -gencode=arch=compute_80,code=compute_80)
say "building CUDA objects"
ls native/cuda/*.cu | xargs -P 8 -I{} sh -c 'nvcc "$@" -Xptxas -v -c {} -o '"$BUILD"'/$(basename {} .cu).o 2>&1' _ "${FLAGS[@]}" "${ARCH[@]}" \
  | grep -E "error|warning|registers|spill" | grep -v " 0 bytes spill" | tee -a "$LOG"
nvcc -shared "$BUILD"/*.o -o "$BUILD/libunisparse_cuda.so" 2>&1 | tee -a "$LOG" || status=1
if [ -z "${SKIP_PTX80:-}" ]; then
say "building the portable (compute_80 PTX only) library"
mkdir -p "$BUILD/ptx80"
ls native/cuda/*.cu | xargs -P 8 -I{} sh -c 'nvcc "$@" -c {} -o '"$BUILD"'/ptx80/$(basename {} .cu).o 2>&1' _ "${FLAGS[@]}" -gencode=arch=compute_80,code=compute_80 | tee -a "$LOG"
nvcc -shared "$BUILD"/ptx80/*.o -o "$BUILD/libunisparse_cuda_ptx80.so" 2>&1 | tee -a "$LOG"
fi
say "building plan_check (CPU planner from native/src/attention + CUDA host API)"
CPU_SRC=$(ls native/src/attention/*.cpp native/src/common/*.cpp 2>/dev/null)
nvcc -O2 -std=c++17 -Inative/src -Inative/cuda -Xcompiler -pthread test/gpu/plan_check.cpp $CPU_SRC "$BUILD"/*.o \
  -o "$BUILD/plan_check" 2>&1 | tee -a "$LOG"
[ -f "$BUILD/libunisparse_cuda.so" ] || { say "BUILD FAILED"; exit 1; }

say "correctness against float references (sm_90a build)"
UNISPARSE_CUDA_LIB="$BUILD/libunisparse_cuda.so" python3 test/gpu/check_attention.py 2>&1 | tee -a "$LOG" || status=1
if [ -f "$BUILD/libunisparse_cuda_ptx80.so" ]; then
say "correctness, portable compute_80 PTX build (JIT on this GPU), first cases"
OUT=/tmp CHECK_CASES=2 UNISPARSE_CUDA_LIB="$BUILD/libunisparse_cuda_ptx80.so" python3 test/gpu/check_attention.py 2>&1 \
  | grep -E "^\{|CHECK" | tee -a "$LOG" || status=1
fi
say "GPU plan vs CPU plan"
if [ -x "$BUILD/plan_check" ]; then "$BUILD/plan_check" 2>&1 | tee -a "$LOG" || status=1; else say "plan_check did not build"; status=1; fi

# The Node addon with CUDA, end to end (native/CMakeLists.txt + the binding's device:'cuda'), when node is here.
# On the device tool's machine: carry .gpu (node.xz from ../shared/gpu/prepare-node.sh, plus node-addon-api and
# node-api-headers copied into .gpu/node_modules); this script unpacks node itself.
if [ -f .gpu/node.xz ] && ! command -v node >/dev/null; then xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH; fi
if command -v node >/dev/null && [ -z "${SKIP_ADDON:-}" ]; then
  say "building the Node addon with CUDA (cmake, native/CMakeLists.txt) and checking device 'cuda' against 'cpu'"
  [ -d .gpu/node_modules ] && export NODE_PATH="$PWD/.gpu/node_modules"
  HEADERS=$(node -p "require('node-api-headers').include_dir" 2>/dev/null)
  if cmake -S native -B "$BUILD/addon" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_JS_INC="$HEADERS" \
       -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$PWD/native/build-cuda/Release" \
       > "$BUILD/addon-configure.log" 2>&1 && cmake --build "$BUILD/addon" -j 16 > "$BUILD/addon-build.log" 2>&1; then
    node test/gpu/addon_check.js 2>&1 | tee -a "$LOG" || status=1
  else
    tail -n 30 "$BUILD/addon-configure.log" "$BUILD/addon-build.log" | tee -a "$LOG"; say "addon build failed"; status=1
  fi
fi

# Real SmolLM2 activations (REAL_DIR: written by test/gpu/captureRealActivations.ts with the CPU plan).
if [ -n "${REAL_DIR:-}" ]; then
  say "real activations: kernels against float references, GPU plan against the CPU plan"
  UNISPARSE_CUDA_LIB="$BUILD/libunisparse_cuda.so" python3 test/gpu/check_real_activations.py "$REAL_DIR" 2>&1 | tee -a "$LOG" || status=1
fi
if [ -z "${SKIP_EFFICIENCY:-}" ]; then
  say "kernel efficiency against cuDNN"
  UNISPARSE_CUDA_LIB="$BUILD/libunisparse_cuda.so" python3 test/gpu/bench_kernel_efficiency.py 2>&1 | tee -a "$LOG" || status=1
  python3 test/gpu/plot_efficiency.py "$OUT/bench-efficiency.json" "$OUT/kernel-efficiency.png" 2>&1 | tee -a "$LOG" || true
fi
if [ -z "${SKIP_E2E:-}" ]; then
  say "the model on the GPU: logits of a tiny random Qwen2 against transformers and the CPU runtime (test/gpu/e2e)"
  SKIP_BENCH=1 SHAPES= SKIP_ASK=1 OUT="$OUT/e2e" bash test/gpu/e2e/run.sh > /dev/null 2>&1 || status=1
  grep -E '"check"' "$OUT/e2e/check.jsonl" 2>/dev/null | tee -a "$LOG"
fi

if [ -z "${SKIP_BENCH:-}" ]; then
  say "benchmark"
  UNISPARSE_CUDA_LIB="$BUILD/libunisparse_cuda.so" python3 test/gpu/bench_attention.py 2>&1 | tee -a "$LOG" || status=1
fi
say "done, status $status"
exit $status
