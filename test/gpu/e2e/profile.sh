#!/usr/bin/env bash
# Where the GPU time of a long prefill and of a decode step goes, on random Qwen2.5-Coder-1.5B-shaped weights:
# UNISPARSE_GPU_PHASES=1 (phase totals) and UNISPARSE_PLAN_PROFILE=1 (planning stages, summed here).
#   PROFILE_PREFILL=131072 PROFILE_DECODE=32768 bash test/gpu/e2e/profile.sh      (on the GPU machine)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
BUILD="${BUILD:-/tmp/unisparse-e2e-build}"; MODELS="${MODELS:-/tmp/unisparse-e2e-models}"; mkdir -p "$BUILD" "$MODELS"
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1
E2E=test/gpu/e2e
if [ ! -x "$BUILD/engine_e2e" ]; then
  cmake -S native -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" > "$BUILD/configure.log" 2>&1 &&
    cmake --build "$BUILD" --target unisparse_core unisparse_cuda -j 16 > "$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log"; exit 1; }
  g++ -O2 -std=c++17 -DUNISPARSE_WITH_CUDA=1 -Inative/include -Inative/src $E2E/engine_e2e.cpp \
    -Wl,--start-group "$BUILD/libunisparse_core.a" "$BUILD/libunisparse_cuda.a" -Wl,--end-group \
    -L"$(dirname "$(command -v nvcc)")/../lib64" -lcudart_static -lcublas -lcublasLt -ldl -lrt -lpthread -o "$BUILD/engine_e2e" || exit 1
fi
SHAPE="${SHAPE:-1.5b}"; dir="$MODELS/qwen2-$SHAPE"
[ -f "$dir/config.json" ] || python3 $E2E/make_random_model.py "$dir" "$SHAPE" 2>&1 | tail -1
sum_stages() { awk '/^plan stages/ { for (i = 4; i < NF; i += 2) t[$i] += $(i + 1) } END { printf "plan stages summed (ms):"; for (k in t) printf " %s %.1f", k, t[k]; print "" }'; }
IFS=';' read -ra ROWS <<< "${PROFILE_ROWS:-unisparse budget 0.2;dense}"
for row in "${ROWS[@]}"; do
  echo "== $SHAPE prefill ${PROFILE_PREFILL:-131072}, $row"
  UNISPARSE_GPU_PHASES=1 UNISPARSE_PLAN_PROFILE=1 E2E_ROWS="$row" "$BUILD/engine_e2e" bench "$dir" "$OUT/profile.json" \
    "${PROFILE_PREFILL:-131072}" "" 128 2> "$OUT/profile-stderr.txt" > /dev/null
  grep -v '^plan stages' "$OUT/profile-stderr.txt"; sum_stages < "$OUT/profile-stderr.txt"
done
echo "== $SHAPE decode at ${PROFILE_DECODE:-32768} (kernel by kernel, so phases can be timed)"
UNISPARSE_GPU_PHASES=1 UNISPARSE_DECODE_GRAPH=0 E2E_ROWS=dense "$BUILD/engine_e2e" bench "$dir" "$OUT/profile-decode.json" \
  "${PROFILE_DECODE:-32768}" "${PROFILE_DECODE:-32768}" 128 2>&1 >/dev/null | grep -v '^plan stages'
