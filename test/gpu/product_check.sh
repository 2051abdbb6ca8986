#!/usr/bin/env bash
# What a user with a GPU gets from the product as shipped, on the GPU machine: the addon built with CUDA by
# native/CMakeLists.txt, then `unisparse ask` with NO --device and NO --budget flag on a repository, so the
# defaults decide (device auto -> the GPU; the GPU context budget). Random-weight Qwen2.5-Coder-1.5B shapes give
# meaningless text; the stats are what is checked:
#   stats.device == 'cuda', contextTokens above the CPU budget, ttftMs and density reported, selected blocks
#   present and question-conditioned where the engine measured the question's attention.
# Needs: node (PATH or .gpu/node.xz), node-addon-api + node-api-headers on NODE_PATH, dist/ (npm run build:js),
# TOKENIZER_DIR (tokenizer.json + tokenizer_config.json, e.g. from test/gpu/e2e/tokenizerFromGguf.ts).
#   TOKENIZER_DIR=DIR bash test/gpu/product_check.sh     # writes product-*.json and product.log under $OUT
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
BUILD="${BUILD:-/tmp/unisparse-product-build}"; MODELS="${MODELS:-/tmp/unisparse-e2e-models}"; mkdir -p "$BUILD" "$MODELS"
LOG="$OUT/product.log"
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1
say() { echo "== $*" | tee -a "$LOG"; }
if ! command -v node >/dev/null && [ -f .gpu/node.xz ]; then xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH; fi
command -v node >/dev/null || { say "no node: carry .gpu/node.xz"; exit 1; }
[ -d "${TOKENIZER_DIR:-}" ] || { say "TOKENIZER_DIR is not a folder"; exit 1; }
status=0

say "building the addon with CUDA (native/CMakeLists.txt)"
HEADERS=$(node -p "require('node-api-headers').include_dir")
if ! { cmake -S native -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_JS_INC="$HEADERS" \
         -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$PWD/native/build-cuda/Release" \
         > "$BUILD/configure.log" 2>&1 && cmake --build "$BUILD" --target unisparse -j 16 > "$BUILD/build.log" 2>&1; }; then
  tail -30 "$BUILD/configure.log" "$BUILD/build.log" | tee -a "$LOG"; say "addon build failed"; exit 1
fi
node -e "const a=require('./native'); console.log(JSON.stringify({check:'addon', backend:a.backend, gpu:a.gpuStatus()}))" | tee -a "$LOG"

say "random Qwen2.5-Coder-1.5B-shape model with a real tokenizer"
[ -f "$MODELS/qwen2-1.5b/config.json" ] || python3 test/gpu/e2e/make_random_model.py "$MODELS/qwen2-1.5b" 1.5b 2>&1 | tail -1 | tee -a "$LOG"
cp "$TOKENIZER_DIR"/tokenizer.json "$TOKENIZER_DIR"/tokenizer_config.json "$MODELS/qwen2-1.5b/"

ask() {  # label question...
  local label=$1; shift
  node server/cli/bin.js ask --repo "${ASK_REPO:-.}" --model "$MODELS/qwen2-1.5b" --json --max-tokens 8 --no-cache "$@" \
    > "$OUT/product-$label.json" 2> "$OUT/product-$label.err" || { status=1; tail -5 "$OUT/product-$label.err" | tee -a "$LOG"; }
}
say "ask with the defaults (no --device, no --budget)"
ask defaults "Where is the KV cache kept on the GPU?"
python3 - "$OUT/product-defaults.json" <<'PY' 2>&1 | tee -a "$LOG" || status=1
import json, sys
d = json.load(open(sys.argv[1])); s = d["stats"]; blocks = d.get("selectedBlocks", [])
row = {"check": "ask defaults on the GPU machine", "device": s["device"], "contextTokens": s["contextTokens"],
       "ttftMs": s["ttftMs"], "density": s["density"], "selectedBlocks": len(blocks),
       "top": [f"{b['file']}:{b['startLine']}-{b['endLine']}" for b in blocks[:3]]}
problems = []
if s["device"] != "cuda": problems.append("device auto did not pick the GPU")
if s["contextTokens"] <= 4096: problems.append("the GPU context budget was not used")
if not (s["ttftMs"] > 0): problems.append("no ttftMs")
if not (0 < s["density"] <= 1): problems.append("density out of range")
if not blocks: problems.append("no selected blocks")
row["ok"] = not problems; row["problems"] = problems
print(json.dumps(row)); sys.exit(1 if problems else 0)
PY
say "done, status $status"
exit $status
