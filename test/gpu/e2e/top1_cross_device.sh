#!/usr/bin/env bash
# How far bf16 alone moves the next token: top-1 agreement of the GPU runtime (bf16 weights and activations) with the
# CPU runtime (8-bit activations; fp32 matmuls with E2E_EXACT_MATMUL=1), both dense, over the real-source windows of top1_windows.sh, next to UniSparse's agreement with
# dense on each device. If UniSparse moves the top-1 token about as often as bf16 does, its flips are of the size users
# already accept from running the model in bf16. Runs on the GPU machine after `test/gpu/eval/run.sh build`:
#   WINDOWS=DIR bash test/gpu/e2e/top1_cross_device.sh      (writes $OUT/top1-cross-device.jsonl)
set -uo pipefail
cd "$(dirname "$0")/../../.."
export PATH=/usr/local/cuda/bin:$PATH
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
WINDOWS=${WINDOWS:?a folder of tokens-*.i32 windows}
SMOL=/tmp/unisparse-eval-model/smol.gguf; E=/tmp/top1x; mkdir -p $E
bash test/gpu/e2e/build_eval_engine.sh $E/engine_e2e || exit 1
for w in "$WINDOWS"/tokens-*.i32; do
  n=$(basename $w .i32); n=${n#tokens-}
  for device in cpu cuda; do
    for mode in dense unisparse; do
      $E/engine_e2e logits $SMOL $w $E/$n-$device-$mode.f32 1024 $device $mode prefill >> $OUT/top1-cross-runs.jsonl
    done
  done
done
python3 - $E <<'PY' | tee $OUT/top1-cross-device.jsonl
import json, sys, glob, os, numpy as np
sys.path.insert(0, "test/gpu/e2e")
from top1_compare import agreement, log_softmax
e = sys.argv[1]
arithmetic = "fp32 matmuls" if os.environ.get("E2E_EXACT_MATMUL", "0") not in ("", "0") else "8-bit activations"
for f in sorted(glob.glob(f"{e}/*-cpu-dense.f32")):
    n = os.path.basename(f)[:-len("-cpu-dense.f32")]
    ref = log_softmax(f)
    top2 = np.sort(ref, 1)[:, -2:]
    near_ties = float((top2[:, 1] - top2[:, 0] < 0.1).mean())
    for tag in ["cuda-dense", "cpu-unisparse", "cuda-unisparse"]:
        print(json.dumps({"window": n, "reference": f"cpu-dense ({arithmetic})", "compared": tag,
                          **agreement(f, f"{e}/{n}-{tag}.f32", ref), "nearTies": near_ties}))
PY
