#!/usr/bin/env bash
# How far bf16 alone moves the next token: top-1 agreement of the GPU runtime (bf16 weights and activations) with the
# fp32 CPU runtime, both dense, over the real-source windows of top1_windows.sh, next to UniSparse's agreement with
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
e = sys.argv[1]
def load(p):
    x = np.fromfile(p, dtype=np.float32).reshape(1024, -1).astype(np.float64)
    x = x - x.max(1, keepdims=True)
    return x - np.log(np.exp(x).sum(1, keepdims=True))
for f in sorted(glob.glob(f"{e}/*-cpu-dense.f32")):
    n = os.path.basename(f)[:-len("-cpu-dense.f32")]
    ref = load(f)
    gap = np.sort(ref, 1)[:, -1] - np.sort(ref, 1)[:, -2]
    for tag in ["cuda-dense", "cpu-unisparse", "cuda-unisparse"]:
        o = load(f"{e}/{n}-{tag}.f32")
        flips = ref.argmax(1) != o.argmax(1)
        print(json.dumps({"window": n, "reference": "cpu-dense (fp32)", "compared": tag, "top1Agreement": 1 - float(flips.mean()),
                          "flips": int(flips.sum()), "meanKl": float(np.mean((np.exp(ref) * (ref - o)).sum(1))),
                          "nearTies": float((gap < 0.1).mean())}))
PY
