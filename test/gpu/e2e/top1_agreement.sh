#!/usr/bin/env bash
# End-to-end effect of UniSparse prefill on real weights, on the GPU: SmolLM2 over 8,192 tokens of real source
# (TOKENS, from test/gpu/e2e/smolCpuReference.ts MODEL OUT 8192 0), the next-token distributions at the last K
# positions from a dense and a UniSparse prefill (the runtime's default tau, block size and last-block check):
# top-1 agreement and mean KL(dense || sparse). The same numbers for two dense prefills that differ only in chunking
# (one chunk vs 256-token chunks) give the floor that numerics alone set.
#   SMOL=model.gguf TOKENS=tokens.i32 [K=1024] [TAUS="0.99 0.995"] bash test/gpu/e2e/top1_agreement.sh  (GPU machine)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
BUILD="${BUILD:-/tmp/unisparse-e2e-build}"; mkdir -p "$BUILD"
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1
K="${K:-1024}"
if [ ! -x "$BUILD/engine_e2e" ]; then
  cmake -S native -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" > "$BUILD/configure.log" 2>&1 &&
    cmake --build "$BUILD" --target unisparse_core unisparse_cuda -j 16 > "$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log"; exit 1; }
  g++ -O2 -std=c++17 -DUNISPARSE_WITH_CUDA=1 -Inative/include -Inative/src test/gpu/e2e/engine_e2e.cpp \
    -Wl,--start-group "$BUILD/libunisparse_core.a" "$BUILD/libunisparse_cuda.a" -Wl,--end-group \
    -L"$(dirname "$(command -v nvcc)")/../lib64" -lcudart_static -lcublas -lcublasLt -ldl -lrt -lpthread -o "$BUILD/engine_e2e" || exit 1
fi
run() {  # tag mode env...
  local tag=$1 mode=$2; shift 2
  env "$@" "$BUILD/engine_e2e" logits "$SMOL" "$TOKENS" "$BUILD/top1-$tag.f32" "$K" cuda "$mode" prefill | tee -a "$OUT/top1.jsonl"
}
run dense dense
run dense256 dense UNISPARSE_GPU_CHUNK=256
run unisparse unisparse
TAGS="dense256 unisparse"
for tau in ${TAUS:-}; do run "tau$tau" unisparse E2E_TAU=$tau; TAGS="$TAGS tau$tau"; done
python3 - "$BUILD" "$K" $TAGS <<'PY' | tee -a "$OUT/top1.jsonl"
import json, sys, numpy as np
b, k = sys.argv[1], int(sys.argv[2])
def load(tag): return np.fromfile(f"{b}/top1-{tag}.f32", dtype=np.float32).reshape(k, -1).astype(np.float64)
def logsm(x): x = x - x.max(1, keepdims=True); return x - np.log(np.exp(x).sum(1, keepdims=True))
dense = logsm(load("dense"))
for tag in sys.argv[3:]:
    other = logsm(load(tag))
    agree = float(np.mean(dense.argmax(1) == other.argmax(1)))
    kl = float(np.mean((np.exp(dense) * (dense - other)).sum(1)))
    srt = np.sort(dense, 1); margin = srt[:, -1] - srt[:, -2]
    flips = dense.argmax(1) != other.argmax(1)
    print(json.dumps({"check": f"SmolLM2 8K top-1 agreement with the one-chunk dense prefill: {tag}", "positions": k,
                      "top1Agreement": agree, "meanKl": kl, "flips": int(flips.sum()),
                      "flipMarginsMedian": float(np.median(margin[flips])) if flips.any() else None,
                      "medianMargin": float(np.median(margin))}))
PY
