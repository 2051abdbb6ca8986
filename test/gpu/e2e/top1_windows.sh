#!/usr/bin/env bash
# Top-1 agreement of UniSparse prefill with dense prefill over several real-source 8K windows (one per code base,
# written by realSourceWindows.ts), at the runtime's default tau and at 0.99 and 0.995: the next-token
# distributions of the last 1,024 positions of each window, as top1_agreement.sh measures them for one window.
# Runs on the GPU machine after `test/gpu/eval/run.sh eval`, whose build and unpacked model it reuses:
#   WINDOWS=DIR [DEVICE=cuda|cpu] [TAUS="0.99 0.995"] [VARIANTS="name:VAR=x,VAR=y ..."] [TOP1_DIR=/tmp/top1] bash test/gpu/e2e/top1_windows.sh
# VARIANTS adds UniSparse runs with engine_e2e's E2E_* settings, e.g. "nocopy:E2E_COPY_RECENT=0".
# (writes $OUT/top1-windows.jsonl and top1-runs.jsonl). DEVICE=cpu runs the CPU runtime on the machine's cores: its
# dense and sparse prefills share every rounding, so no flip there is bf16's. E2E_EXACT_MATMUL=1 with it keeps the
# matmuls in fp32 too: without it, activations are rounded to 8 bits, and any change upstream, 1e-6 included, crosses
# some roundings and flips about 2% of predictions by itself. E2E_ALL_TOP1=1 adds every position's top token
# (flipsAll, top1AgreementAll) to the last 1,024's.
set -uo pipefail
cd "$(dirname "$0")/../../.."
export PATH=/usr/local/cuda/bin:$PATH
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
WINDOWS=${WINDOWS:?a folder of tokens-*.i32 windows}
DEVICE=${DEVICE:-cuda}; TAUS=${TAUS:-0.99 0.995}; VARIANTS=${VARIANTS:-}
SMOL=/tmp/unisparse-eval-model/smol.gguf; E=${TOP1_DIR:-/tmp/top1}; mkdir -p $E  # TOP1_DIR: a second sweep beside this one
bash test/gpu/e2e/build_eval_engine.sh $E/engine_e2e || exit 1
for w in "$WINDOWS"/tokens-*.i32; do
  n=$(basename $w .i32); n=${n#tokens-}
  $E/engine_e2e logits $SMOL $w $E/$n-dense.f32 1024 $DEVICE dense prefill >> $OUT/top1-runs.jsonl
  $E/engine_e2e logits $SMOL $w $E/$n-unisparse.f32 1024 $DEVICE unisparse prefill >> $OUT/top1-runs.jsonl
  for tau in $TAUS; do E2E_TAU=$tau $E/engine_e2e logits $SMOL $w $E/$n-tau$tau.f32 1024 $DEVICE unisparse prefill >> $OUT/top1-runs.jsonl; done
  for v in $VARIANTS; do
    env $(echo "${v#*:}" | tr , ' ') $E/engine_e2e logits $SMOL $w $E/$n-${v%%:*}.f32 1024 $DEVICE unisparse prefill >> $OUT/top1-runs.jsonl
  done
done
CONFIGS="unisparse"; for tau in $TAUS; do CONFIGS="$CONFIGS tau$tau"; done; for v in $VARIANTS; do CONFIGS="$CONFIGS ${v%%:*}"; done
python3 - $E $DEVICE $CONFIGS <<'PY' | tee $OUT/top1-windows.jsonl
import json, sys, glob, os
sys.path.insert(0, "test/gpu/e2e")
from top1_compare import agreement, log_softmax
e, device, configs = sys.argv[1], sys.argv[2], sys.argv[3:]
for f in sorted(glob.glob(f"{e}/*-dense.f32")):
    n = os.path.basename(f)[:-len("-dense.f32")]
    dense = log_softmax(f)
    for tag in configs:
        print(json.dumps({"window": n, "device": device, "config": tag, **agreement(f, f"{e}/{n}-{tag}.f32", dense)}))
PY
