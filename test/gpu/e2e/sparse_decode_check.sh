#!/usr/bin/env bash
# Sparse decode (UNISPARSE_SPARSE_DECODE=1) against dense decode, on the GPU machine: logits agreement, share of key
# blocks read and decode tok/s, from `engine_e2e decodecmp` (two model instances on the same prefill, same steps).
#   SMOL=PATH.gguf [SMOL_TOKENS=FILE.i32] bash test/gpu/e2e/sparse_decode_check.sh
# SmolLM2-135M Q4_1 (94 MiB) does not fit one call's 64 MiB transfer; its first 12 of 30 blocks do (56 MiB):
#   python3 test/gpu/e2e/truncate_gguf.py SmolLM2-135M-Instruct.Q4_1.gguf smollm2-first12.gguf 12
# Runs: (0) a self-check: eps 1e-37 keeps every block on the 1.5B-shaped model, where the listed path must give
# dense decode's logits exactly (meanRelL2 0, keptShare 1); (a) random Qwen2.5-Coder-1.5B-shaped weights at 32K and
# 128K tokens, 64 steps, and at 128K with eps 0.99 (random weights attend near-uniformly: speed only); (b) SmolLM2
# real weights when SMOL is set: 8,000 tokens (SMOL_TOKENS, else random ids), 128 steps, eps 1e-3, 1e-2 and 1e-4;
# its accuracy decides whether sparse decode can ever be on by default. Writes $OUT/sparse-decode.jsonl, build.log
# and stderr.txt; prints one table last.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
# Its own build folder: the cache of another checkout's build would refuse this source folder, and a stale
# engine_e2e would run without the code under test. Rebuilt incrementally on every run.
BUILD="${BUILD:-/tmp/unisparse-sparse-decode-build}"; MODELS="${MODELS:-/tmp/unisparse-e2e-models}"; mkdir -p "$BUILD" "$MODELS"
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1
E2E=test/gpu/e2e
JSONL="$OUT/sparse-decode.jsonl"; : > "$JSONL"; : > "$OUT/stderr.txt"
started=$(date +%s)
echo "== $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1)"
if ! { cmake -S native -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" \
         > "$OUT/build.log" 2>&1 && cmake --build "$BUILD" --target unisparse_core unisparse_cuda -j 16 >> "$OUT/build.log" 2>&1; }; then
  tail -40 "$OUT/build.log"; echo "== BUILD FAILED"; exit 1
fi
rm -f "$BUILD/engine_e2e"
g++ -O2 -std=c++17 -DUNISPARSE_WITH_CUDA=1 -Inative/include -Inative/src $E2E/engine_e2e.cpp \
  -Wl,--start-group "$BUILD/libunisparse_core.a" "$BUILD/libunisparse_cuda.a" -Wl,--end-group \
  -L"$(dirname "$(command -v nvcc)")/../lib64" -lcudart_static -lcublas -lcublasLt -ldl -lrt -lpthread -o "$BUILD/engine_e2e" || exit 1
echo "== built in $(( $(date +%s) - started )) s"

status=0
compare() {  # label model tokens N STEPS [eps]
  local label=$1 model=$2 tokens=$3 n=$4 steps=$5 eps=${6:-}
  local line
  line=$(env ${eps:+UNISPARSE_SPARSE_DECODE_EPS=$eps} timeout 90 "$BUILD/engine_e2e" decodecmp "$model" "$tokens" "$n" "$steps" \
           2> "$BUILD/stderr.txt")
  local rc=$?
  { echo "== $label"; cat "$BUILD/stderr.txt"; } >> "$OUT/stderr.txt"  # one file: few files come back from the GPU machine
  if [ $rc -ne 0 ] || [ -z "$line" ]; then
    echo "== $label FAILED (exit $rc)"; tail -5 "$BUILD/stderr.txt"; status=1; return
  fi
  echo "${line%\}}, \"label\": \"$label\"}" | tee -a "$JSONL"
}

if [ -n "${SMOL:-}" ]; then
  compare smol-8k "$SMOL" "${SMOL_TOKENS:-random}" 8000 128
  # The trade-off around the default: a looser and a tighter threshold on the same tokens.
  compare smol-8k-eps1e-2 "$SMOL" "${SMOL_TOKENS:-random}" 8000 128 1e-2
  compare smol-8k-eps1e-4 "$SMOL" "${SMOL_TOKENS:-random}" 8000 128 1e-4
fi
dir="$MODELS/qwen2-1.5b"
[ -f "$dir/config.json" ] || python3 $E2E/make_random_model.py "$dir" 1.5b 2>&1 | tail -1
compare selfcheck-keep-all-32k "$dir" random 32768 16 1e-37
compare random-1.5b-32k "$dir" random 32768 64
compare random-1.5b-128k "$dir" random 131072 64
# Random weights keep nearly every block at the default eps (their block scores differ by tenths), which times
# only the selection's cost; eps 0.99 (within 0.01 of each head's best) keeps a few blocks per head and times what
# reading fewer blocks saves at best (its logits mean nothing).
compare random-1.5b-128k-eps0.99 "$dir" random 131072 64 0.99

echo "== done in $(( $(date +%s) - started )) s; label | N | steps | step tokens | eps | meanRelL2 | maxRelL2 | meanKL | maxKL | top1 | kept | dense tok/s | sparse tok/s | speedup"
python3 - "$JSONL" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['label']} | {r['N']} | {r['steps']} | {r['stepTokens']} | {r['eps']} | {r['meanRelL2']:.3g} | "
          f"{r['maxRelL2']:.3g} | {r['meanKl']:.3g} | {r['maxKl']:.3g} | {r['top1Agree']:.3f} | {r['keptShare']:.3f} | {r['denseTokPerS']:.1f} | "
          f"{r['sparseTokPerS']:.1f} | {r['speedup']:.2f}x")
PY
exit $status
