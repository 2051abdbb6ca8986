// Accuracy of the UniSparse plan on real SmolLM2 activations: for each length, a dense prefill of real source
// text captures Q/K/V of a few layers; each layer's plan is scored on sampled query rows of every head.
import { captureLayers, defaultModelPath, realSourceTokens } from './realActivations';
import { HeadMajor, planMetrics, sampleRows } from './studyMetrics';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('../../native');

export interface RealStudyConfig { lengths: number[]; layers: number[]; taus: number[]; blockSize: number;
  granularities: number[]; rows: number; modelPath?: string }

export interface RealStudyResult { rows: any[]; captures: Map<number, Map<number, HeadMajor>> }

export async function realStudy(cfg: RealStudyConfig, log: (line: string) => void = console.log,
  keepCapturesOf?: number): Promise<RealStudyResult> {
  const modelPath = cfg.modelPath ?? defaultModelPath;
  const rows: any[] = [];
  const captures = new Map<number, Map<number, HeadMajor>>();
  for (const seq of cfg.lengths) {
    const tokens = await realSourceTokens(modelPath, seq);
    const started = Date.now();
    const layers = captureLayers(modelPath, tokens, cfg.layers);
    log(`real seq ${seq}: dense prefill with capture took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (seq === keepCapturesOf) captures.set(seq, layers);
    // Skip the first 4 blocks' rows: they attend to a handful of blocks and every method is exact there.
    const queryRows = sampleRows(seq, cfg.rows, 4 * cfg.blockSize);
    for (const tau of cfg.taus) {
      let density = 0, recall = 0, recallMin = 1, relError = 0, planMs = 0;
      const perLayer: any[] = [];
      for (const [layer, t] of layers) {
        const t0 = process.hrtime.bigint();
        const plan = native.attentionPlan(t.q, t.k, { heads: t.heads, kvHeads: t.kvHeads, headDim: t.headDim,
          mode: 'unisparse', tau, blockSize: cfg.blockSize, granularities: cfg.granularities });
        planMs += Number(process.hrtime.bigint() - t0) / 1e6;
        const m = planMetrics(t, plan, Array.from({ length: t.heads }, (_, h) => h), queryRows);
        perLayer.push({ layer, density: plan.density, recall: m.recall, recallMin: m.recallMin, relError: m.relError });
        density += plan.density; recall += m.recall; relError += m.relError; recallMin = Math.min(recallMin, m.recallMin);
      }
      const n = layers.size;
      const row = { input: 'SmolLM2-135M', seq, tau, blockSize: cfg.blockSize, granularities: cfg.granularities,
        layers: cfg.layers, density: density / n, recall: recall / n, recallMin, relError: relError / n,
        rowsPerLayer: queryRows.length * (layers.values().next().value?.heads ?? 0), planMsPerLayer: planMs / n, perLayer };
      rows.push(row);
      log(`real seq ${seq} tau ${tau}: density ${row.density.toFixed(3)} recall ${row.recall.toFixed(4)} ` +
        `(min row ${recallMin.toFixed(3)}) relErr ${row.relError.toFixed(4)} | ` +
        perLayer.map((p) => `L${p.layer} d ${p.density.toFixed(2)} r ${p.recall.toFixed(3)}`).join(', '));
    }
  }
  return { rows, captures };
}
