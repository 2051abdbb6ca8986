#!/usr/bin/env bash
# The whole model on the GPU, end to end, in one go on the GPU machine (`npm run bench:e2e` runs it there):
# build the runtime, check its logits against transformers (random Qwen2 weights) and the CPU runtime, then time
# TTFT / decode / follow-up against transformers + SDPA (FlashAttention-2, cuDNN) on the same weights.
#   SHAPES="1.5b 7b" LENGTHS=8192,32768,65536,131072 DECODE=32768,131072 bash test/gpu/e2e/run.sh
#   SKIP_BENCH=1 (checks only), SKIP_HF_BENCH=1 (our engine only), SMOL=PATH.gguf + SMOL_REF=DIR (CPU reference).
# Writes e2e.log, check-*.json, bench-<shape>-{engine,transformers}.json and e2e.{json,md} under $OUT.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT="${OUT:-$PWD/gpu-out}"; export OUT; mkdir -p "$OUT"
BUILD="${BUILD:-/tmp/unisparse-e2e-build}"; MODELS="${MODELS:-/tmp/unisparse-e2e-models}"; mkdir -p "$BUILD" "$MODELS"
LOG="$OUT/e2e.log"
SHAPES="${SHAPES-1.5b}"; LENGTHS="${LENGTHS:-8192,32768}"; DECODE="${DECODE:-32768}"
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1
E2E=test/gpu/e2e
say() { echo "== $*" | tee -a "$LOG"; }
status=0
started=$(date +%s)

say "$(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)"
say "building the runtime (native/CMakeLists.txt: unisparse_core + unisparse_cuda) and engine_e2e"
if ! { cmake -S native -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" \
         > "$BUILD/configure.log" 2>&1 && cmake --build "$BUILD" --target unisparse_core unisparse_cuda -j 16 > "$BUILD/build.log" 2>&1; }; then
  tail -40 "$BUILD/configure.log" "$BUILD/build.log" | tee -a "$LOG"; say "BUILD FAILED"; exit 1
fi
CUDA_LIB="$(dirname "$(command -v nvcc)")/../lib64"
g++ -O2 -std=c++17 -DUNISPARSE_WITH_CUDA=1 -Inative/include -Inative/src $E2E/engine_e2e.cpp \
  -Wl,--start-group "$BUILD/libunisparse_core.a" "$BUILD/libunisparse_cuda.a" -Wl,--end-group \
  -L"$CUDA_LIB" -lcudart_static -lcublas -lcublasLt -ldl -lrt -lpthread -o "$BUILD/engine_e2e" 2>&1 | tee -a "$LOG"
[ -x "$BUILD/engine_e2e" ] || { say "engine_e2e did not build"; exit 1; }
say "built in $(( $(date +%s) - started )) s"

# logits check: engine (prefill or decode path, dense or unisparse) against transformers bf16/fp32.
check_model() {  # dir label n k
  local dir=$1 label=$2 n=$3 k=$4
  python3 -c "import numpy as np; np.random.seed($n); np.random.randint(0, 4000, $n).astype(np.int32).tofile('$BUILD/tok-$label.i32')"
  python3 $E2E/hf_reference.py "$dir" "$BUILD/tok-$label.i32" "$k" "$BUILD/ref-$label.npz" 2>&1 | grep -v Warning | tail -3 | tee -a "$LOG"
  for path in prefill decode; do
    "$BUILD/engine_e2e" logits "$dir" "$BUILD/tok-$label.i32" "$BUILD/ours-$label.f32" "$k" cuda dense $path 2>&1 | tee -a "$LOG"
    python3 $E2E/compare_logits.py "$BUILD/ref-$label.npz" "$BUILD/ours-$label.f32" "$label dense $path" | tee -a "$OUT/check.jsonl" "$LOG" || status=1
  done
  [ "${CHECK_VARIANTS:-1}" = 0 ] && return
  # Chunked prefill (chunks of 256 tokens) must give the same logits as one chunk.
  UNISPARSE_GPU_CHUNK=256 "$BUILD/engine_e2e" logits "$dir" "$BUILD/tok-$label.i32" "$BUILD/ours-$label.f32" "$k" cuda dense prefill 2>&1 | tee -a "$LOG"
  python3 $E2E/compare_logits.py "$BUILD/ref-$label.npz" "$BUILD/ours-$label.f32" "$label dense prefill chunks of 256" | tee -a "$OUT/check.jsonl" "$LOG" || status=1
  # UniSparse: on random weights the plan keeps most blocks; logits must stay close (reported, not gated).
  "$BUILD/engine_e2e" logits "$dir" "$BUILD/tok-$label.i32" "$BUILD/ours-$label.f32" "$k" cuda unisparse prefill 2>&1 | tee -a "$LOG"
  python3 $E2E/compare_logits.py "$BUILD/ref-$label.npz" "$BUILD/ours-$label.f32" "$label unisparse prefill (not gated)" | tee -a "$OUT/check.jsonl" "$LOG"
}

if [ -z "${SKIP_TINY:-}" ]; then
say "tiny random Qwen2: logits vs transformers, GPU vs CPU runtime"
python3 $E2E/make_random_model.py "$MODELS/tiny" tiny 2>&1 | tail -1 | tee -a "$LOG"
check_model "$MODELS/tiny" tiny 1500 16
"$BUILD/engine_e2e" logits "$MODELS/tiny" "$BUILD/tok-tiny.i32" "$BUILD/cpu-tiny.f32" 16 cpu dense prefill 2>&1 | tee -a "$LOG"
"$BUILD/engine_e2e" logits "$MODELS/tiny" "$BUILD/tok-tiny.i32" "$BUILD/ours-tiny.f32" 16 cuda dense prefill 2>&1 | tee -a "$LOG"
python3 - "$BUILD" <<'PY' 2>&1 | tee -a "$OUT/check.jsonl" "$LOG"
import json, sys, numpy as np
b = sys.argv[1]
cpu = np.fromfile(f"{b}/cpu-tiny.f32", dtype=np.float32); gpu = np.fromfile(f"{b}/ours-tiny.f32", dtype=np.float32)
print(json.dumps({"check": "tiny: GPU runtime vs CPU runtime (dense prefill)", "relErr": float(np.linalg.norm(gpu - cpu) / np.linalg.norm(cpu))}))
PY
# The overlay's question-conditioned block mass, GPU vs CPU: the last 16 rows in one chunk, then 300 rows across
# chunks of 256 (the per-call sums must add up as the CPU's do). Random weights spread attention evenly, so the
# top-3 comparison counts ties within the tolerance as agreement.
"$BUILD/engine_e2e" question "$MODELS/tiny" "$BUILD/tok-tiny.i32" 16 64 2>&1 | tee -a "$OUT/check.jsonl" "$LOG" || status=1
UNISPARSE_GPU_CHUNK=256 "$BUILD/engine_e2e" question "$MODELS/tiny" "$BUILD/tok-tiny.i32" 300 128 2>&1 | tee -a "$OUT/check.jsonl" "$LOG" || status=1
fi

if [ -n "${SMOL:-}" ] && [ -f "${SMOL}" ]; then
  say "SmolLM2 (real weights, GGUF $(basename "$SMOL")): GPU runtime vs the CPU runtime's logits computed on the development machine"
  "$BUILD/engine_e2e" question "$SMOL" "$SMOL_REF/tokens.i32" 16 64 2>&1 | tee -a "$OUT/check.jsonl" "$LOG" || status=1
  for path in prefill decode; do
    "$BUILD/engine_e2e" logits "$SMOL" "$SMOL_REF/tokens.i32" "$BUILD/smol-$path.f32" 8 cuda dense $path 2>&1 | tee -a "$LOG"
    python3 - "$SMOL_REF/cpu-logits.f32" "$BUILD/smol-$path.f32" "$path" <<'PY' 2>&1 | tee -a "$OUT/check.jsonl" "$LOG" || status=1
import json, sys, numpy as np
cpu = np.fromfile(sys.argv[1], dtype=np.float32).reshape(8, -1); gpu = np.fromfile(sys.argv[2], dtype=np.float32).reshape(8, -1)
rel = float(np.linalg.norm(gpu - cpu) / np.linalg.norm(cpu)); top1 = float(np.mean(cpu.argmax(1) == gpu.argmax(1)))
ok = rel <= 0.05 and top1 >= 0.75
print(json.dumps({"check": f"SmolLM2 GPU vs CPU runtime ({sys.argv[3]})", "relErr": rel, "top1Agree": top1, "pass": ok}))
sys.exit(0 if ok else 1)
PY
  done
fi

for shape in $SHAPES; do
  dir="$MODELS/qwen2-$shape"
  say "random Qwen2.5-Coder-$shape shapes: writing weights"
  [ -f "$dir/config.json" ] || python3 $E2E/make_random_model.py "$dir" "$shape" 2>&1 | tail -1 | tee -a "$LOG"
  say "$shape: logits vs transformers"
  check_model "$dir" "$shape" 2000 8
  if [ -z "${SKIP_BENCH:-}" ]; then
    say "$shape: our engine, TTFT / follow-up / decode at $LENGTHS"
    "$BUILD/engine_e2e" bench "$dir" "$OUT/bench-$shape-engine.json" "$LENGTHS" "$DECODE" 128 2>&1 | grep -v '^{' | tee -a "$LOG" || status=1
    say "$shape: decode without the CUDA graph (kernel by kernel), for comparison"
    UNISPARSE_DECODE_GRAPH=0 E2E_ROWS=dense "$BUILD/engine_e2e" bench "$dir" "$BUILD/nograph.json" "$DECODE" "$DECODE" 128 2>&1 | grep -v '^{' | tee -a "$LOG"
    if [ -z "${SKIP_HF_BENCH:-}" ]; then
      say "$shape: transformers + SDPA (FA2, cuDNN) at $LENGTHS"
      python3 $E2E/bench_transformers.py "$dir" "$OUT/bench-$shape-transformers.json" "$LENGTHS" 2>&1 | grep -E "^transformers|Error" | tee -a "$LOG" || status=1
    fi
  fi
  say "elapsed $(( $(date +%s) - started )) s"
done

# `unisparse ask --device cuda --json` through the whole GPU path (needs node: .gpu/node.xz, and node-addon-api +
# node-api-headers in .gpu/node_modules for the addon build; dist/ from `npm run build:js`). ASK_REPO: the folder asked
# about; random-weight models get a real tokenizer from TOKENIZER_DIR (tokenizerFromGguf.ts).
if [ -z "${SKIP_ASK:-}" ] && { [ -x /tmp/node ] || [ -f "${NODE_XZ:-.gpu/node.xz}" ]; }; then
  [ -x /tmp/node ] || { xz -dc "${NODE_XZ:-.gpu/node.xz}" > /tmp/node && chmod +x /tmp/node; }
  export PATH=/tmp:$PATH
  [ -d .gpu/node_modules ] && export NODE_PATH="$PWD/.gpu/node_modules"
  say "building the Node addon with CUDA"
  HEADERS=$(node -p "require('node-api-headers').include_dir")
  if cmake -S native -B "$BUILD" -DCMAKE_JS_INC="$HEADERS" -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$PWD/native/build-cuda/Release"        >> "$BUILD/configure.log" 2>&1 && cmake --build "$BUILD" --target unisparse -j 16 >> "$BUILD/build.log" 2>&1; then
    ask() {  # label model budget maxTokens question
      local label=$1 model=$2 budget=$3 max=$4; shift 4
      say "ask ($label): --model $(basename "$model") --budget $budget"
      node server/cli/bin.js ask --repo "${ASK_REPO:-..}" --model "$model" --device cuda --json --budget "$budget" \
        --max-tokens "$max" --no-cache "$@" > "$OUT/ask-$label.json" 2> "$BUILD/ask-$label.err" || { status=1; tail -5 "$BUILD/ask-$label.err" | tee -a "$LOG"; }
      python3 -c "import json,sys; d=json.load(open('$OUT/ask-$label.json')); s=d['stats']; print(json.dumps({'ask': '$label', 'device': s['device'], 'contextTokens': s['contextTokens'], 'ttftMs': s['ttftMs'], 'prefillMs': s.get('prefillMs'), 'density': s['density'], 'decodeTokensPerS': s['decodeTokensPerS'], 'answer': d['answer'][:160]}))" \
        2>&1 | tee -a "$OUT/check.jsonl" "$LOG"
    }
    if [ -n "${SMOL:-}" ] && [ -f "$SMOL" ]; then
      ask smollm2-8k "$SMOL" 7000 64 "How does the model runtime run attention on the GPU? Name the files."
    fi
    if [ -d "${TOKENIZER_DIR:-}" ] && [ -f "$MODELS/qwen2-1.5b/config.json" ]; then
      cp "$TOKENIZER_DIR"/tokenizer.json "$TOKENIZER_DIR"/tokenizer_config.json "$MODELS/qwen2-1.5b/"
      for budget in ${ASK_BUDGETS-30000 126000}; do
        ask "qwen2-1.5b-random-$budget" "$MODELS/qwen2-1.5b" "$budget" 16 "Where is the KV cache kept?"
      done
    fi
  else
    tail -20 "$BUILD/configure.log" "$BUILD/build.log" | tee -a "$LOG"; say "addon build failed"; status=1
  fi
fi

python3 $E2E/summarize.py "$OUT" 2>&1 | tee -a "$LOG"
python3 $E2E/plot_e2e.py "$OUT/e2e.json" "$OUT/e2e-ttft.png" 2>&1 | tail -2 | tee -a "$LOG"
say "done, status $status, $(( $(date +%s) - started )) s"
exit $status
