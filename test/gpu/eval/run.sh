#!/usr/bin/env bash
# `npm run eval` on the GPU machine: the same questions and 2K/4K/8K probes as on the CPU, dense and UniSparse side by
# side (two processes on one GPU), with the runtime on the GPU (EVAL_DEVICE=cuda) at the CPU's default 4096-token
# budget. What travels is staged by test/gpu/eval/prepare.sh in two folders, one per device call, back to back (the
# machine keeps /tmp while it stays warm):
#   bash test/gpu/eval/run.sh build DIR_A        # first call: the model's first part, the CUDA runtime's build
#   bash test/gpu/eval/run.sh eval DIR_B         # second call (carry .gpu too): node, the addon, the eval
# The second call writes eval-4096-{dense,unisparse}.json (the eval's records, overlay reports included),
# eval-*.log, eval-summary.md (the table) and overlay-gpu-vs-cpu.json (the question-conditioned overlay of each
# dense GPU record against the CPU's record of the same prompt, from CPU_REFERENCE) under $OUT.
set -uo pipefail
cd "$(dirname "$0")/../../.."
REPO=$PWD
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
STAGE=/tmp/unisparse-eval; BUILD=/tmp/unisparse-eval-build; MODEL=/tmp/unisparse-eval-model
mkdir -p "$STAGE" "$BUILD" "$MODEL"
export PATH="/usr/local/cuda/bin:/tmp/unisparse-eval-bin:$PATH" PYTHONUNBUFFERED=1
LOG="$OUT/gpu-eval.log"
say() { echo "== $(date -u +%TZ) $*" | tee -a "$LOG"; }
phase=${1:?build or eval}; from=${2:?staged folder}

cmake_build() {  # targets...
  local headers="$STAGE/node_modules/node-api-headers/include"
  cmake -S "$STAGE/native" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_JS_INC="$headers" \
    -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$STAGE/native/build-cuda/Release" \
    >> "$OUT/build.log" 2>&1 && cmake --build "$BUILD" --target "$@" -j 16 >> "$OUT/build.log" 2>&1
}

if [ "$phase" = build ]; then
  say "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1); $(nproc) CPUs"
  cp "$from"/model.gguf.xz.a "$MODEL/"
  cp -r "$from"/native "$from"/node_modules "$STAGE/"
  say "building the CUDA runtime (unisparse_core, unisparse_cuda)"
  cmake_build unisparse_core unisparse_cuda || { tail -30 "$OUT/build.log"; say "BUILD FAILED"; exit 1; }
  say "built; the model's first part is in $MODEL"
  exit 0
fi

[ "$phase" = eval ] || { echo "phase must be build or eval" >&2; exit 2; }
[ -d "$STAGE/native" ] || { say "the build phase did not run on this machine (a fresh machine?): run it first"; exit 1; }
mkdir -p /tmp/unisparse-eval-bin
[ -x /tmp/unisparse-eval-bin/node ] || xz -dc "$REPO/.gpu/node.xz" > /tmp/unisparse-eval-bin/node && chmod +x /tmp/unisparse-eval-bin/node
export NODE_PATH="$STAGE/node_modules"
cat "$MODEL"/model.gguf.xz.a "$from"/model.gguf.xz.b | xz -dc > "$MODEL/smol.gguf"
[ "$(sha256sum "$MODEL/smol.gguf" | cut -d' ' -f1)" = "$(cat "$from/model.sha256")" ] || { say "the model's checksum does not match"; exit 1; }
rm -rf "$STAGE/dist"; tar -C "$STAGE" -xJf "$from/dist.tar.xz"
export XDG_CACHE_HOME=/tmp/unisparse-eval-cache; mkdir -p "$XDG_CACHE_HOME/unisparse/eval"
tar -C "$XDG_CACHE_HOME/unisparse/eval" -xJf "$from/corpora.tar.xz"
say "building the Node addon with CUDA"
cmake_build unisparse || { tail -30 "$OUT/build.log"; say "ADDON BUILD FAILED"; exit 1; }
node -e "const a=require('$STAGE/native'); console.log(JSON.stringify({addon: a.backend, gpu: a.gpuStatus()}))" | tee -a "$LOG"

GPU="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1), $(nproc) CPUs, runtime --device cuda (addon built here)"
say "eval: dense and UniSparse side by side ($GPU); limit ${EVAL_LIMIT_S:-420} s"
# EVAL_TAUS="0.995 ...": UniSparse again at each of these taus (eval-4096-unisparse-tauT.json), in the same batch.
for run in dense unisparse ${EVAL_TAUS:+$(printf 'unisparse-tau%s ' $EVAL_TAUS)}; do
  mode=${run%%-tau*}; tau=""; [ "$run" != "$mode" ] && tau=${run#*-tau}
  EVAL_DEVICE=cuda EVAL_ATTENTION=$mode EVAL_TAU=$tau EVAL_MODEL="$MODEL/smol.gguf" EVAL_OUT="$OUT/eval-4096-$run.json" \
    EVAL_MACHINE="$GPU" timeout "${EVAL_LIMIT_S:-420}" node "$STAGE/dist/server/eval.js" > "$OUT/eval-$run.log" 2>&1 &
done
wait
tail -n 3 "$OUT"/eval-*.log | tee -a "$LOG"
EVAL_SUMMARY="$OUT/eval-4096-dense.json,$OUT/eval-4096-unisparse.json" node "$STAGE/dist/server/eval.js" > "$OUT/eval-summary.md" 2>&1
cat "$OUT/eval-summary.md"
for tau in ${EVAL_TAUS:-}; do
  EVAL_SUMMARY="$OUT/eval-4096-dense.json,$OUT/eval-4096-unisparse-tau$tau.json" node "$STAGE/dist/server/eval.js" \
    > "$OUT/eval-summary-tau$tau.md" 2>&1
  cat "$OUT/eval-summary-tau$tau.md"
done
CPU_REFERENCE=${CPU_REFERENCE:-test/eval/results/eval-overlay4096-dense-2026-12-01.json}
[ -f "$CPU_REFERENCE" ] && python3 test/gpu/eval/compare_overlay.py "$CPU_REFERENCE" "$OUT/eval-4096-dense.json" | tee "$OUT/overlay-gpu-vs-cpu.json"
say "done"
