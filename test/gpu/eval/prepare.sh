#!/usr/bin/env bash
# Stages what `test/gpu/eval/run.sh` needs on the GPU machine, which has no node, no network and no model, into two
# folders that each fit one device call (64 MiB with the working tree):
#   A (first call):  the SmolLM2 GGUF's first part (xz), the native sources and the Node-API headers (the CUDA build
#                    starts in the first call);
#   B (second call, with .gpu/node.xz): the GGUF's rest, the bundled eval (dist.tar.xz: dist/server/eval.js next to
#                    the engine, index and tokenizer bundles and the grammars), the eval corpora (Flask 3.0.3, Express 4.19.2, the
#                    probe copy) and the GGUF's checksum.
#   bash test/gpu/eval/prepare.sh DIR_A DIR_B [MODEL.gguf]   (development machine, after npm run build:js)
# PART_A_BYTES: the GGUF.xz bytes in A (default: about half of what both calls carry, node.xz going with B);
# MODEL_XZ: an xz of MODEL made earlier (xz -9 takes minutes on two cores), checked against MODEL's checksum.
set -euo pipefail
cd "$(dirname "$0")/../../.."
A=${1:?folder for the first call}; B=${2:?folder for the second call}
MODEL=${3:-$HOME/.cache/unisparse/models/SmolLM2-135M-Instruct.Q4_1.gguf}
PART_A_BYTES=${PART_A_BYTES:-59800000}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/unisparse/eval
[ -f "$MODEL" ] || { echo "no model at $MODEL: run node server/cli/bin.js fetch-model" >&2; exit 1; }
[ -f "$CACHE/flask-3.0.3/.complete" ] && [ -f "$CACHE/express-4.19.2/.complete" ] || { echo "the eval corpora are not cached: run EVAL_RETRIEVAL_ONLY=1 npm run eval once" >&2; exit 1; }
for f in engineProcess indexWorker tokenizerWorker; do [ -f "dist/server/$f.js" ] || { echo "dist/server/$f.js is missing: run npm run build:js" >&2; exit 1; }; done
rm -rf "$A" "$B"; mkdir -p "$A/native" "$A/node_modules" "$B/dist/server" "$B/dist/grammars"

# A: native sources (the runtime as committed here) and the headers the addon compiles against.
cp -r native/CMakeLists.txt native/index.js native/addonFiles.js native/include native/src native/cuda native/binding "$A/native/"
cp -r node_modules/node-api-headers node_modules/node-addon-api "$A/node_modules/"
# The model, xz-compressed (Q4_1 still shrinks by about a tenth), split at PART_A_MB.
if [ -n "${MODEL_XZ:-}" ]; then
  [ "$(xz -dc "$MODEL_XZ" | sha256sum | cut -d' ' -f1)" = "$(sha256sum "$MODEL" | cut -d' ' -f1)" ] || { echo "$MODEL_XZ is not an xz of $MODEL" >&2; exit 1; }
  cp "$MODEL_XZ" "$B/model.gguf.xz"
else
  xz -9 -T2 -c "$MODEL" > "$B/model.gguf.xz"
fi
split -b "$PART_A_BYTES" -a 1 "$B/model.gguf.xz" "$B/model.gguf.xz."
mv "$B/model.gguf.xz.a" "$A/"; rm "$B/model.gguf.xz"
sha256sum "$MODEL" | cut -d' ' -f1 > "$B/model.sha256"

# B: the eval bundle beside the product's bundles, so engine, index and tokenizer workers resolve as in dist/.
node -e "require('esbuild').buildSync({entryPoints:['test/eval/runEval.ts'],bundle:true,platform:'node',target:'node20',format:'cjs',outfile:'$B/dist/server/eval.js',logLevel:'warning',external:['tree-sitter','tree-sitter-*']})"
cp dist/server/engineProcess.js dist/server/indexWorker.js dist/server/tokenizerWorker.js "$B/dist/server/"
cp dist/grammars/*.wasm "$B/dist/grammars/"
tar -C "$B" -cJf "$B/dist.tar.xz" dist && rm -rf "$B/dist"   # the grammars shrink from 20 MB to about 1
tar -C "$CACHE" -cJf "$B/corpora.tar.xz" .
du -sh "$A" "$B"
