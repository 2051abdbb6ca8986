// Writes the post-RoPE Q/K/V of every layer of SmolLM2-135M over real source text (the study's TypeScript lib
// .d.ts files) as raw float32, for test/attention-study/layer_study.py:
//   node -r ./test/register.js test/attention-study/dumpRealLayers.ts <outDir> [tokens=8192]
// One dense prefill on our CPU runtime (about 7 minutes for 8K tokens on two shared cores); ~950 MB for 30 layers.
import * as fs from 'fs';
import * as path from 'path';
import { captureLayers, defaultModelPath, realSourceTokens } from './realActivations';

async function main(): Promise<void> {
  const [outDir, tokensArg] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: dumpRealLayers.ts <outDir> [tokens]');
  const n = Number(tokensArg || 8192);
  fs.mkdirSync(outDir, { recursive: true });
  const tokens = await realSourceTokens(defaultModelPath, n);
  fs.writeFileSync(path.join(outDir, 'tokens.json'), JSON.stringify(tokens));
  const layers = Array.from({ length: 30 }, (_, i) => i);  // SmolLM2-135M has 30 layers
  const captured = captureLayers(defaultModelPath, tokens, layers);
  const probe = captured.get(0)!;
  for (const [layer, c] of captured)
    for (const x of ['q', 'k', 'v'] as const)
      fs.writeFileSync(path.join(outDir, `L${layer}.${x}.f32`), Buffer.from((c[x] as Float32Array).buffer));
  fs.writeFileSync(path.join(outDir, 'shape.json'), JSON.stringify({ heads: probe.heads, kvHeads: probe.kvHeads,
    headDim: probe.headDim, seq: n, layers: layers.length }));
  console.log(`wrote ${layers.length} layers of ${n} tokens to ${outDir}`);
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
