// Accuracy of the UniSparse plan on long inputs with planted structure (32K to 128K tokens): one kv head
// dominated by an attention sink, one by a local window, one answering distant needles, one near-uniform.
// Exact attention at 128K on two cores is out of reach for every row, so recall and output error are measured
// in float64 on sampled query rows (evenly spaced, plus rows inside each needle's query range), all heads.
// Usage: node -r ./test/register.js test/attention-study/plantedStudy.ts [--lengths 32768,65536,131072]
//        [--taus 0.9,0.95] [--blockSize 64] [--granularities 4,16] [--rows 48] [--neighbourShare 0.05]
//        [--out test-results/x.json]
import * as fs from 'fs';
import * as path from 'path';
import { plantedAttention, PlantedSpec } from '../support/plantedAttention';
import { planMetrics, sampleRows } from './studyMetrics';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

const headDim = 64, groupHeads = 2;
// Amplitudes are set from target logits (q.k/sqrt(d)): a unit direction scaled by a in both q and k gives a^2/8.
const amp = (logit: number) => Math.sqrt(logit * Math.sqrt(headDim));
const localAmp = (logit: number, freqs: number) => Math.sqrt((logit * Math.sqrt(headDim)) / freqs);

function kvHeadSpecs(seq: number): { name: string; spec: PlantedSpec }[] {
  const common = { heads: groupHeads, kvHeads: 1, headDim, seq, localDims: 32, maxFreq: 0.1, minFreq: 0.002, noise: 0.3 };
  const needles = [0.1, 0.35, 0.6].map((at, i) => ({
    keyPos: Math.floor(seq * at), width: 16, queryFrom: Math.floor(seq * (0.7 + 0.1 * i)),
    queryTo: Math.floor(seq * (0.75 + 0.1 * i)), strength: amp(22) }));
  return [
    { name: 'sink', spec: { ...common, seed: 11, sink: amp(18), local: localAmp(12, 16) } },
    { name: 'local', spec: { ...common, seed: 12, sink: amp(8), local: localAmp(20, 16) } },
    { name: 'needles', spec: { ...common, seed: 13, sink: amp(14), local: localAmp(14, 16), needles } },
    { name: 'flat', spec: { ...common, seed: 14, sink: amp(4), local: localAmp(4, 16), flatKvHeads: [0] } },
  ];
}

/** The study's planted input at one length: 4 kv heads (sink, local, needles, flat) of 2 query heads each. */
export function plantedWorkload(seq: number) {
  const specs = kvHeadSpecs(seq);
  const parts = specs.map((s) => plantedAttention(s.spec));
  const cat = (key: 'q' | 'k' | 'v') => {
    const out = new Float32Array(parts.reduce((n, p) => n + p[key].length, 0));
    let o = 0;
    for (const p of parts) { out.set(p[key], o); o += p[key].length; }
    return out;
  };
  const t = { q: cat('q'), k: cat('k'), v: cat('v'), heads: groupHeads * specs.length, kvHeads: specs.length, headDim, seq };
  return { t, specs };
}

export interface StudyConfig { lengths: number[]; taus: number[]; blockSize: number; granularities: number[]; rows: number;
  /** the last-block check of the plan (default true, as in the native options) */
  lastBlockCheck?: boolean;
  /** neighbour expansion threshold (native default when absent) */
  neighbourShare?: number }

export function plantedStudy(cfg: StudyConfig, log: (line: string) => void = console.log): any[] {
  const { taus, blockSize, granularities } = cfg;
  const results: any[] = [];
  for (const seq of cfg.lengths) {
    const { t, specs } = plantedWorkload(seq);
    const needleRows = specs[2].spec.needles!.flatMap((n) => sampleRows(n.queryTo, 4, n.queryFrom));
    const rows = [...new Set([...sampleRows(seq, cfg.rows, 1024), ...needleRows])].sort((a, b) => a - b);
    for (const tau of taus) {
      const started = process.hrtime.bigint();
      const plan = native.attentionPlan(t.q, t.k, { heads: t.heads, kvHeads: t.kvHeads, headDim, mode: 'unisparse',
        tau, blockSize, granularities, lastBlockCheck: cfg.lastBlockCheck ?? true, neighbourShare: cfg.neighbourShare });
      const planMs = Number(process.hrtime.bigint() - started) / 1e6;
      const all = planMetrics(t, plan, Array.from({ length: t.heads }, (_, h) => h), rows);
      const perHead = specs.map((s, kh) => {
        const m = planMetrics(t, plan, [kh * groupHeads, kh * groupHeads + 1], rows);
        let kept = 0, causal = 0;
        for (let r = 0; r < plan.nQueryBlocks; r++) {
          kept += plan.rowPtr[kh * plan.nQueryBlocks + r + 1] - plan.rowPtr[kh * plan.nQueryBlocks + r];
          causal += plan.firstQueryBlock + r + 1;
        }
        return { kvHead: s.name, recall: m.recall, recallMin: m.recallMin, relError: m.relError, density: kept / causal };
      });
      const row = { input: 'planted', seq, tau, lastBlockCheck: cfg.lastBlockCheck ?? true, neighbourShare: cfg.neighbourShare, blockSize, granularities, heads: t.heads, kvHeads: t.kvHeads, headDim,
        density: plan.density, recall: all.recall, recallMin: all.recallMin, relError: all.relError,
        rowsMeasured: all.rowsMeasured, planMs, perHead };
      results.push(row);
      log(`planted seq ${seq} tau ${tau}: density ${plan.density.toFixed(3)} recall ${all.recall.toFixed(4)} ` +
        `(min ${all.recallMin.toFixed(3)}) relErr ${all.relError.toFixed(4)} plan ${planMs.toFixed(0)} ms | ` +
        perHead.map((p) => `${p.kvHead}: d ${p.density.toFixed(3)} r ${p.recall.toFixed(3)}`).join(', '));
    }
  }
  return results;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

if (require.main === module) {
  const outFile = arg('out', 'test-results/attention-study-planted.json');
  const results = plantedStudy({
    lengths: arg('lengths', '32768,65536,131072').split(',').map(Number),
    taus: arg('taus', '0.9,0.95').split(',').map(Number),
    blockSize: Number(arg('blockSize', '64')),
    granularities: arg('granularities', '4,16').split(',').map(Number),
    rows: Number(arg('rows', '48')),
    neighbourShare: arg('neighbourShare', '') === '' ? undefined : Number(arg('neighbourShare', '')),
  });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), results }, null, 1));
  console.log(`wrote ${outFile}`);
}
