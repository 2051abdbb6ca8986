// The attention accuracy study in one command: real SmolLM2 activations (2K/4K/8K) and planted structure
// (32K to 128K), per tau, with recall, output error and density; writes test-results/attention-study.{json,md}
// and media/attention-heatmap.png (one real layer's block mask).
// Usage: node -r ./test/register.js test/attention-study/runStudy.ts [--quick]
//   --quick: 2K real and 32K planted only (a few minutes on two cores); the full run (2K/4K/8K real, 32K/64K/128K
//   planted, taus 0.9/0.95/0.985) took ~25 minutes on two shared cores. --taus, --real, --planted override.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { blockMaskPng, planPicture } from './blockMaskHeatmap';
import { plantedStudy } from './plantedStudy';
import { realStudy } from './realStudy';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const quick = process.argv.includes('--quick');
  const root = path.join(__dirname, '..', '..');
  const taus = arg('taus', '0.9,0.95,0.985').split(',').map(Number);
  const blockSize = Number(arg('blockSize', '64'));
  const granularities = arg('granularities', '4,16').split(',').map(Number);
  const realLengths = arg('real', quick ? '2048' : '2048,4096,8192').split(',').map(Number);
  const plantedLengths = arg('planted', quick ? '32768' : '32768,65536,131072').split(',').map(Number);
  const layers = [1, 8, 15, 22, 29];
  const heatmapLength = realLengths[realLengths.length - 1];
  const log = (line: string) => console.log(line);

  const real = await realStudy({ lengths: realLengths, layers, taus, blockSize, granularities, rows: 48 }, log, heatmapLength);
  // Heatmap: layer 15, kv head 0, the largest tau, at the longest real length.
  const heat = real.captures.get(heatmapLength)!.get(15)!;
  const heatTau = Math.max(...taus);
  const plan = native.attentionPlan(heat.q, heat.k, { heads: heat.heads, kvHeads: heat.kvHeads, headDim: heat.headDim,
    mode: 'unisparse', tau: heatTau, blockSize, granularities });
  const png = blockMaskPng(planPicture(plan, 0), Math.max(2, Math.floor(512 / plan.nBlocks)));
  // The committed picture comes from the full run; a quick run writes its own beside the results.
  const heatmapFile = quick ? path.join('test-results', 'attention-heatmap-quick.png') : path.join('media', 'attention-heatmap.png');
  fs.mkdirSync(path.dirname(path.join(root, heatmapFile)), { recursive: true });
  fs.writeFileSync(path.join(root, heatmapFile), png);
  log(`wrote ${heatmapFile} (SmolLM2 layer 15, kv head 0, ${heatmapLength} tokens, tau ${heatTau}, ` +
    `${plan.nBlocks} blocks, density ${plan.density.toFixed(3)})`);
  real.captures.clear();

  const planted = plantedStudy({ lengths: plantedLengths, taus, blockSize, granularities, rows: 48 }, log);

  const all = [...real.rows, ...planted];
  const machine = `${os.cpus()[0]?.model ?? 'CPU'} x${os.cpus().length}, Node ${process.version}`;
  const date = new Date().toISOString();
  const outDir = path.join(root, 'test-results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'attention-study.json'), JSON.stringify({ date, machine, blockSize, granularities, results: all }, null, 1));
  const lines = [
    `UniSparse accuracy study (${date.slice(0, 10)}, ${machine}); blockSize ${blockSize}, granularities ${granularities.join('+')} (mean).`,
    'Recall = share of the exact softmax mass inside the kept blocks; error = ||o_sparse - o_dense|| / ||o_dense||;',
    'both in float64 on sampled query rows (48 evenly spaced rows per head, all heads; planted adds rows inside each needle range).',
    'Real rows: mean over SmolLM2-135M layers 1, 8, 15, 22, 29 (9 q / 3 kv heads, d 64) on TypeScript lib .d.ts text.',
    'Planted rows: 8 q / 4 kv heads, d 64; kv heads = sink-dominated, local window, 3 distant needles, near-uniform.',
    '',
    '| input | tokens | tau | density | recall | min row recall | output rel. error | plan ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...all.map((r) => `| ${r.input} | ${r.seq} | ${r.tau} | ${r.density.toFixed(3)} | ${r.recall.toFixed(4)} | ` +
      `${r.recallMin.toFixed(3)} | ${r.relError.toFixed(4)} | ${(r.planMsPerLayer ?? r.planMs).toFixed(0)} |`),
  ];
  fs.writeFileSync(path.join(outDir, 'attention-study.md'), lines.join('\n') + '\n');
  log(lines.join('\n'));
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
