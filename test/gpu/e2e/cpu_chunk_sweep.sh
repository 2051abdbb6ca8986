#!/usr/bin/env bash
# CPU prefill time by chunk size, dense against UniSparse in one process per run, on the GPU machine's CPU cores
# (the development machine has two shared cores; this one has sixteen, and `taskset` with THREADS=2 stands in for a
# two-core laptop). Each run is one engine_e2e prefill of a real-source window (realSourceWindows.ts); the runtime's
# chunk is forced with UNISPARSE_CPU_CHUNK.
# Runs after `test/gpu/eval/run.sh build`, whose build it links against, with the model unpacked as top1_windows.sh
# expects it:
#   WINDOWS="DIR/tokens-a.i32 ..." [THREADS="2 16"] [CHUNKS="256 512 1024"] bash test/gpu/e2e/cpu_chunk_sweep.sh
# Prints one line per run: threads, window, chunk, mode and the engine's JSON (ms, density).
set -uo pipefail
cd "$(dirname "$0")/../../.."
export PATH=/usr/local/cuda/bin:$PATH
WINDOWS=${WINDOWS:?token windows to prefill}; THREADS=${THREADS:-2 16}; CHUNKS=${CHUNKS:-256 512 1024}
SMOL=/tmp/unisparse-eval-model/smol.gguf; E=/tmp/top1; mkdir -p $E
bash test/gpu/e2e/build_eval_engine.sh $E/engine_e2e || exit 1
for t in $THREADS; do for w in $WINDOWS; do for c in $CHUNKS; do for mode in dense unisparse; do
  echo -n "threads $t, $(basename $w .i32), chunk $c, $mode: "
  UNISPARSE_CPU_CHUNK=$c E2E_THREADS=$t taskset -c 0-$((t - 1)) $E/engine_e2e logits $SMOL $w $E/chunks.f32 256 cpu $mode prefill
done; done; done; done
