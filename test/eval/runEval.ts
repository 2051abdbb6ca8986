/**
 * `npm run eval`: answer quality of the real ask pipeline (index -> rank -> pack -> SmolLM2 -> citations and
 * overlay) on questions with known answer locations in pinned public code, and on long-context retrieval probes,
 * for dense and UniSparse attention on the same questions. Prints a table and writes test-results/eval.json.
 *
 * Environment: EVAL_BUDGET (context tokens per question, default the CPU's 4096), EVAL_MAX_TOKENS (default the
 * product's 256),
 * EVAL_ATTENTION (default "dense,unisparse"), EVAL_TAU (UniSparse's tau, default the product's),
 * EVAL_ONLY (a regular expression on question ids),
 * EVAL_PROBES=0 (skip the 2K/4K/8K probes), EVAL_RETRIEVAL_BUDGETS (default 1024,2048,4096,6000: the model-free
 * context hit table), EVAL_RETRIEVAL_ONLY=1 (only that table), EVAL_MODEL (a model path; default the fetched SmolLM2),
 * EVAL_DEVICE (cpu, the default, or cuda: the engine's device; a GPU build of the addon for cuda),
 * EVAL_ANSWER_ATTENTION=1 (also record the answer's own attention per block),
 * EVAL_MACHINE (a line naming the machine, kept in eval.json; e.g. the GPU's name), EVAL_SUMMARY=FILE (print the table of an earlier run's eval.json, also one that was stopped part way; several
 * files separated by commas are read as one run), EVAL_OUT=FILE (where to write, default test-results/eval.json),
 * EVAL_LAYER_HITS=FILE (with EVAL_SUMMARY: each layer's overlay hit@3 as JSON, for test/eval/plot_layers.py).
 * Each question runs under every attention mode before the next, and eval.json is rewritten after every answer,
 * so a run cut short still compares the modes on the same questions. Each record keeps the attention report behind its
 * overlay (the question's and the neutral question's mass per block, each block's source lines), and EVAL_SUMMARY
 * scores those overlays again with the current rule, so a change of the rule is measured without the model.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runAsk, AskResult } from '../../server/ask/askPipeline';
import { EngineHost } from '../../server/engine/host/engineHost';
import { RepoIndex } from '../../server/index/repoIndex';
import { fetchDefaultModel } from '../../server/models/fetchModel';
import { CORPORA, ensureCorpus } from './corpora';
import { QUESTIONS, EvalQuestion } from './questions';
import { retrievalAtBudgets, RetrievalRow } from './retrieval';
import { MEASURES, pairedDifferences } from './pairedComparison';
import { loadTokenizer } from '../../server/tokenizer/tokenizer';
import { PROBE_BUDGETS, probeQuestion, probeRepo } from './probes';
import { DEFAULT_CONTEXT_BUDGET_TOKENS, DEFAULT_MAX_NEW_TOKENS } from '../../common/attentionOptions';
import { baselineRelativeScores, keyBlockScores, layerWindowMass, readingLayers, selectedBlocksFromScores } from '../../server/ask/selectedBlocks';
import type { AttentionReport } from '../../server/engine/attentionReport';
import { answerMatch, citationCounts, contextHit, definitionEnd, lineOfMatch, overlayHitAt, summarise, ScoredAnswer, EvalSummary, LineRange } from './scoring';

type Mode = 'dense' | 'unisparse';
type EvalDevice = 'cpu' | 'cuda';

interface Record_ extends ScoredAnswer {
  id: string;
  kind: string;
  mode: Mode;
  budget: number;
  /** The device the engine ran on (cuda falls back to the CPU where no GPU is usable). */
  device?: string;
  contextTokens: number;
  answerLines: LineRange;
  /** What an overlay range must touch (the definition's extent for definition questions). */
  overlayLines?: LineRange;
  answer: string;
  topOverlay: LineRange[];
  /**
   * What the overlay was made from: per key block the question's mass, the neutral baseline, the answer's mass (its
   * blocks past the prompt dropped) and the source lines.
   */
  attention?: {
    blockSize: number; promptTokens: number; questionBlockMass?: number[]; baselineBlockMass?: number[]; answerBlockMass?: number[];
    /** The question's and the neutral question's mass layer by layer (layer l's block b at l * blocks + b). */
    questionLayerMass?: number[]; baselineLayerMass?: number[];
    blockLines: LineRange[][];
  };
  seconds: number;
}

/** Six significant digits: the per-layer masses are many numbers, and the JSON stays a third of the size. */
const round6 = (x: number) => Number(x.toPrecision(6));

/** The recorded source lines of each key block, as the overlay's token-range mapper. */
function recordedBlockLines(a: NonNullable<Record_['attention']>) {
  return { rangesForTokens: (start: number) => a.blockLines[Math.floor(start / a.blockSize)] ?? [] };
}

/**
 * The overlay's top three ranges from a recorded report, by the current scoring rule (selectedBlocks.ts); with
 * `baseline` false, as if the neutral question had not been measured (the question's mass alone); with `layers` false,
 * as if the masses had not been measured layer by layer (every layer summed).
 */
function overlayFromRecord(a: NonNullable<Record_['attention']>, baseline = true, layers = true): LineRange[] {
  const report = {
    mode: 'dense', density: 1, blockSize: a.blockSize, nBlocks: a.blockLines.length, keyBlockScore: new Float32Array(a.blockLines.length),
    questionBlockMass: a.questionBlockMass && Float32Array.from(a.questionBlockMass),
    baselineBlockMass: baseline && a.baselineBlockMass ? Float32Array.from(a.baselineBlockMass) : undefined,
    questionLayerMass: layers && a.questionLayerMass ? Float32Array.from(a.questionLayerMass) : undefined,
    baselineLayerMass: layers && a.baselineLayerMass ? Float32Array.from(a.baselineLayerMass) : undefined,
  } as AttentionReport;
  return selectedBlocksFromScores(keyBlockScores(report), a.blockSize, a.promptTokens, recordedBlockLines(a)).slice(0, 3);
}

/** The packed answers of `records` whose reports hold per-layer masses, and the model's layer count. */
function layeredRecords(records: Record_[]): { packed: Record_[]; layers: number } {
  const packed = records.filter((r) => r.contextHit && r.overlayLines && r.attention?.questionLayerMass && r.attention.baselineLayerMass && r.attention.questionBlockMass && r.attention.baselineBlockMass);
  const a0 = packed[0]?.attention;
  return { packed, layers: a0 ? a0.questionLayerMass!.length / a0.questionBlockMass!.length : 0 };
}

/** Whether the overlay, reading layers [from, to) of a layered record, puts the answer among its top three places. */
function layerWindowHit(r: Record_, from: number, to: number): boolean {
  const a = r.attention!;
  const q = layerWindowMass(a.questionLayerMass!, a.questionBlockMass!.length, from, to);
  const b = layerWindowMass(a.baselineLayerMass!, a.baselineBlockMass!.length, from, to);
  const top = selectedBlocksFromScores(baselineRelativeScores(q, b), a.blockSize, a.promptTokens, recordedBlockLines(a)).slice(0, 3);
  return overlayHitAt(top, r.overlayLines!, 3);
}

/**
 * Overlay hit@3 over the packed answers of `records` (one mode) for windows of layers [from, to), per corpus: a table
 * in Markdown, or nothing where the records hold no per-layer masses.
 */
function layerWindowStudy(records: Record_[]): string[] {
  const { packed, layers } = layeredRecords(records);
  if (packed.length === 0) return [];
  const corpusOf = new Map(QUESTIONS.map((q) => [q.id, q.corpus as string]));
  const corpus = (r: Record_) => corpusOf.get(r.id) ?? 'probes';
  const corpora = [...new Set(packed.map(corpus))].sort();
  const hitsOf = (from: number, to: number) => corpora.map((c) => packed.filter((r) => corpus(r) === c && layerWindowHit(r, from, to)).length);
  const counts = corpora.map((c) => packed.filter((r) => corpus(r) === c).length);
  const rows: { from: number; to: number; hits: number[] }[] = [];
  for (let from = 0; from < layers; from += 2) for (let to = from + 4; to <= layers; to += 2) rows.push({ from, to, hits: hitsOf(from, to) });
  const reading = readingLayers(layers);
  const total = (r: { hits: number[] }) => r.hits.reduce((x, y) => x + y, 0);
  const shown = rows.sort((x, y) => total(y) - total(x)).slice(0, 8);
  if (!shown.some((r) => r.from === reading.from && r.to === reading.to)) shown.push({ ...reading, hits: hitsOf(reading.from, reading.to) });
  shown.push({ from: 0, to: layers, hits: hitsOf(0, layers) });
  const name = (r: { from: number; to: number }) => `${r.from}-${r.to - 1}${r.from === reading.from && r.to === reading.to ? ' (the reading layers)' : r.from === 0 && r.to === layers ? ' (every layer)' : ''}`;
  return [`| Layers read | ${corpora.map((c, k) => `${c} (${counts[k]} packed)`).join(' | ')} | All |`, `| --- |${corpora.map(() => ' --- |').join('')} --- |`,
    ...shown.map((r) => `| ${name(r)} | ${r.hits.join(' | ')} | ${total(r)} |`)];
}

/**
 * Overlay hit@3 of each layer read alone, of the reading layers and of every layer (shares of the packed answers), for
 * test/eval/plot_layers.py; undefined where the records hold no per-layer masses.
 */
function layerHits(records: Record_[]) {
  const { packed, layers } = layeredRecords(records);
  if (packed.length === 0) return undefined;
  const share = (from: number, to: number) => packed.filter((r) => layerWindowHit(r, from, to)).length / packed.length;
  const reading = readingLayers(layers);
  return {
    packed: packed.length, layers, reading: [reading.from, reading.to], readingHit: share(reading.from, reading.to),
    everyLayerHit: share(0, layers), singleLayer: Array.from({ length: layers }, (_, l) => share(l, l + 1)),
  };
}

/** The overlay's top three ranges from the answer's own recorded attention (alone, or against the neutral question). */
function answerOverlayFromRecord(a: NonNullable<Record_['attention']>, relative: boolean): LineRange[] {
  const mass = Float32Array.from(a.answerBlockMass ?? []);
  const scores = relative && a.baselineBlockMass ? baselineRelativeScores(mass, a.baselineBlockMass) : mass;
  return selectedBlocksFromScores(scores, a.blockSize, a.promptTokens, recordedBlockLines(a)).slice(0, 3);
}

const env = process.env;
const BUDGET = Number(env.EVAL_BUDGET || DEFAULT_CONTEXT_BUDGET_TOKENS);
const MAX_TOKENS = Number(env.EVAL_MAX_TOKENS || DEFAULT_MAX_NEW_TOKENS);
/** EVAL_ANSWER_ATTENTION=1 records the answer's own attention per block too (attention.answerBlockMass). */
const ANSWER_ATTENTION = env.EVAL_ANSWER_ATTENTION === '1';
const MODES = (env.EVAL_ATTENTION || 'dense,unisparse').split(',').map((m) => m.trim()) as Mode[];
const TAU = env.EVAL_TAU ? Number(env.EVAL_TAU) : undefined;
const ONLY = env.EVAL_ONLY ? new RegExp(env.EVAL_ONLY) : undefined;
const PROBES = env.EVAL_PROBES !== '0';
const DEVICE = (env.EVAL_DEVICE || 'cpu') as EvalDevice;
if (DEVICE !== 'cpu' && DEVICE !== 'cuda') throw new Error(`EVAL_DEVICE must be cpu or cuda, not ${env.EVAL_DEVICE}.`);
/** Where the run happened, kept with the results: the device asked for, the CPUs and a line from EVAL_MACHINE. */
const MACHINE = { device: DEVICE, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, note: env.EVAL_MACHINE };
const RETRIEVAL_BUDGETS = (env.EVAL_RETRIEVAL_BUDGETS || '1024,2048,4096,6000').split(',').map(Number);
const retrievalRows: RetrievalRow[] = [];

function retrievalTable(rows: RetrievalRow[]): string {
  return ['| Context budget (tokens) | Context hit, retrieval only | Missed |', '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.budget} | ${r.hits}/${r.total} (${pct(r.hits / Math.max(1, r.total))}) | ${r.missed.join(', ') || '-'} |`)].join('\n');
}

/** Questions taken in turn from each corpus and kind, so a run stopped part way still covers all of them. */
function interleaved(questions: EvalQuestion[]): EvalQuestion[] {
  const byCorpus = new Map<string, EvalQuestion[]>();
  for (const q of questions) byCorpus.set(`${q.corpus}/${q.kind}`, [...(byCorpus.get(`${q.corpus}/${q.kind}`) ?? []), q]);
  const lists = [...byCorpus.values()];
  const out: EvalQuestion[] = [];
  for (let i = 0; out.length < questions.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

function answerRange(root: string, q: EvalQuestion): LineRange {
  const text = fs.readFileSync(path.join(root, q.file), 'utf8');
  const line = lineOfMatch(text, q.pattern);
  if (line === undefined) throw new Error(`${q.id}: ${q.pattern} matches nothing in ${q.file}; fix the question.`);
  return { file: q.file, startLine: line, endLine: line + (q.extraLines ?? 0) };
}

/** The lines an overlay range must touch: the whole definition for a definition question, else the answer line. */
function overlayRange(root: string, q: EvalQuestion, spot: LineRange): LineRange {
  if (q.kind !== 'definition') return spot;
  const text = fs.readFileSync(path.join(root, q.file), 'utf8');
  return { ...spot, endLine: Math.max(spot.endLine, definitionEnd(text, spot.startLine)) };
}

function score(q: EvalQuestion, spot: LineRange, overlayLines: LineRange, r: AskResult): ScoredAnswer {
  return {
    contextHit: contextHit(r.stats.contextChunks ?? [], spot),
    citations: citationCounts(r.citations, spot),
    overlayHit3: overlayHitAt(r.selection.blocks, overlayLines, 3),
    answerMatch: answerMatch(r.answer, q.expect, q.file),
    stopReason: r.stats.stopReason ?? 'unknown',
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function tableRow(label: string, s: EvalSummary): string {
  const stops = Object.entries(s.stopReasons).sort().map(([k, v]) => `${k} ${v}`).join(', ');
  return `| ${label} | ${s.n} | ${pct(s.contextHitRate)} | ${pct(s.citationPrecision)} | ${pct(s.overlayHit3)} | ${pct(s.answerMatch)} | ${pct(s.lengthStopRate)} | ${stops} |`;
}

const OUT_FILE = env.EVAL_OUT ? path.resolve(env.EVAL_OUT) : path.resolve(__dirname, '..', '..', 'test-results', 'eval.json');

function writeResults(records: Record_[], seconds: number): void {
  fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
  fs.writeFileSync(OUT_FILE, JSON.stringify({ date: new Date().toISOString(), machine: MACHINE, budget: BUDGET, maxNewTokens: MAX_TOKENS, seconds, retrieval: retrievalRows, records }, null, 1));
}

function table(records: Record_[], header: string): string {
  const modes = [...new Set(records.map((r) => r.mode))];
  const lines = [
    header,
    '',
    '| Attention | Answers | Context hit | Citation precision | Overlay hit@3 (packed) | Answer match | Length stops | stopReason |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  // The modes are compared on the questions every mode answered (a run stopped part way may lack the last one).
  const questionIds = (mode: string) => new Set(records.filter((r) => r.mode === mode && !r.id.startsWith('probe-')).map((r) => r.id));
  const shared = modes.map(questionIds).reduce((a, b) => new Set([...a].filter((id) => b.has(id))));
  for (const mode of modes) lines.push(tableRow(`${mode}, questions`, summarise(records.filter((r) => r.mode === mode && shared.has(r.id)))));
  for (const mode of modes) {
    const probes = records.filter((r) => r.mode === mode && r.id.startsWith('probe-'));
    for (const p of probes) lines.push(tableRow(`${mode}, ${p.id} (${p.contextTokens} tokens)`, summarise([p])));
  }
  // The overlay rule's effect on the same prefills: each packed answer's recorded report scored three ways.
  const rows = modes.map((mode) => {
    const packed = records.filter((r) => r.mode === mode && shared.has(r.id) && r.contextHit && r.attention?.baselineBlockMass && r.overlayLines);
    const hits = (baseline: boolean, layers: boolean) => packed.filter((r) => overlayHitAt(overlayFromRecord(r.attention!, baseline, layers), r.overlayLines!, 3)).length;
    const cell = (n: number) => `${n} (${pct(n / Math.max(1, packed.length))})`;
    // How wide the top three ranges are: a rule that lists wider ranges hits more easily, so it is shown beside.
    const width = (layers: boolean) => {
      const top = packed.flatMap((r) => overlayFromRecord(r.attention!, true, layers));
      return (top.reduce((n, t) => n + t.endLine - t.startLine + 1, 0) / Math.max(1, top.length)).toFixed(1);
    };
    const layered = packed.filter((r) => r.attention!.questionLayerMass && r.attention!.baselineLayerMass).length;
    return `| ${mode} | ${packed.length} | ${cell(hits(false, false))} | ${cell(hits(true, false))} | ${width(false)} | ` +
      `${layered ? `${cell(hits(true, true))} | ${width(true)}` : '- | -'} |`;
  });
  lines.push('', '| Attention | Packed answers with a baseline | Overlay hit@3, question mass alone | Against the neutral question, every layer | Lines per top-3 range | Against the neutral question, reading layers (the overlay) | Lines per top-3 range |',
    '| --- | --- | --- | --- | --- | --- | --- |', ...rows);
  // Where the answer's own attention was recorded (EVAL_ANSWER_ATTENTION=1): the overlay it would give alone, as a
  // share and against the neutral question, beside the question's.
  const answerRows = modes.flatMap((mode) => {
    const packed = records.filter((r) => r.mode === mode && shared.has(r.id) && r.contextHit && r.attention?.answerBlockMass && r.attention.baselineBlockMass && r.overlayLines);
    if (packed.length === 0) return [];
    const hits = (relative: boolean) => packed.filter((r) => overlayHitAt(answerOverlayFromRecord(r.attention!, relative), r.overlayLines!, 3)).length;
    const share = (n: number) => `${n} (${pct(n / packed.length)})`;
    return [`| ${mode} | ${packed.length} | ${share(hits(false))} | ${share(hits(true))} |`];
  });
  if (answerRows.length) {
    lines.push('', "| Attention | Packed answers with the answer's attention | Overlay hit@3, answer mass alone | Overlay hit@3, answer against the neutral question |",
      '| --- | --- | --- | --- |', ...answerRows);
  }
  // Where each layer's mass was recorded: overlay hit@3 when the overlay reads layers [from, to) instead of the
  // reading layers, per corpus, so a window chosen on one code base can be checked on the other.
  const first = records.filter((r) => r.mode === modes[0] && shared.has(r.id));
  const study = layerWindowStudy(first);
  if (env.EVAL_LAYER_HITS) {
    const hits = layerHits(first);
    if (!hits) throw new Error('EVAL_LAYER_HITS: these records hold no per-layer masses (recorded by runs since 2026-12-02).');
    fs.writeFileSync(env.EVAL_LAYER_HITS, JSON.stringify({ mode: modes[0], ...hits }, null, 1));
  }
  if (study.length) lines.push('', `Overlay hit@3 by the layers read (${modes[0]}; windows of 4 layers or more, even bounds; best 8 by the total, and the reading layers):`, '', ...study);
  // Each other mode against the first, question by question: is a difference more than chance?
  const byId = (mode: string) => new Map(records.filter((r) => r.mode === mode && shared.has(r.id)).map((r) => [r.id, r]));
  const ids = [...shared].sort();
  for (const mode of modes.slice(1)) {
    const [a, b] = [byId(modes[0]), byId(mode)];
    const diffs = pairedDifferences(ids.map((id) => a.get(id)!), ids.map((id) => b.get(id)!));
    const points = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
    lines.push('', `| ${mode} against ${modes[0]}, ${ids.length} questions | ${modes[0]} | ${mode} | Difference (points) | 95% interval, paired bootstrap | Questions that differ |`,
      '| --- | --- | --- | --- | --- | --- |',
      ...diffs.map((d) => `| ${MEASURES.find((m) => m.key === d.measure)!.label} | ${pct(d.a)} | ${pct(d.b)} | ${points(d.difference)} | ${points(d.interval[0])} to ${points(d.interval[1])} | ${d.questionsThatDiffer} |`));
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (env.EVAL_SUMMARY) {
    const runs = env.EVAL_SUMMARY.split(',').map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { records: Record_[]; budget: number; maxNewTokens: number; seconds: number });
    const saved = { ...runs[0], records: runs.flatMap((r) => r.records), seconds: runs.reduce((n, r) => n + r.seconds, 0) };
    // Runs saved before overlayLines existed are scored again from their top overlay ranges; records that keep their
    // attention report, with the current overlay rule.
    const flask = ensureCorpus(CORPORA.find((c) => c.name === 'flask')!);
    for (const rec of saved.records) {
      if (rec.attention && rec.overlayLines) {
        rec.topOverlay = overlayFromRecord(rec.attention);
        rec.overlayHit3 = overlayHitAt(rec.topOverlay, rec.overlayLines, 3);
      }
      if (rec.overlayLines) continue;
      const q = rec.id.startsWith('probe-') ? probeQuestion(rec.id.slice('probe-'.length)) : QUESTIONS.find((x) => x.id === rec.id);
      if (!q) continue;
      const root = rec.id.startsWith('probe-') ? probeRepo(flask) : ensureCorpus(CORPORA.find((c) => c.name === q.corpus)!);
      rec.overlayLines = overlayRange(root, q, rec.answerLines);
      rec.overlayHit3 = overlayHitAt(rec.topOverlay, rec.overlayLines, 3);
    }
    process.stdout.write(table(saved.records, `${new Set(saved.records.map((r) => r.id)).size} questions, budget ${saved.budget}, max ${saved.maxNewTokens} new tokens, ${saved.seconds.toFixed(0)} s`) + '\n');
    return;
  }
  const started = Date.now();
  const log = (line: string) => process.stderr.write(line + '\n');
  const model = env.EVAL_MODEL || (await fetchDefaultModel({ progress: log }));
  const engines = new Map<Mode, EngineHost>(MODES.map((m) => [m, new EngineHost()]));
  const records: Record_[] = [];
  const failures: { id: string; mode: Mode; error: string }[] = [];
  const ask = async (repo: string, index: RepoIndex, q: EvalQuestion, spot: LineRange, mode: Mode, budget: number) => {
    const t0 = Date.now();
    let r: AskResult;
    let recorded: Record_['attention'];
    const keep = (report: AttentionReport | undefined, blockLines: (b: number) => LineRange[]) => {
      if (!report) return;
      recorded = {
        blockSize: report.blockSize, promptTokens: 0, blockLines: Array.from({ length: Math.max(report.nBlocks, report.questionBlockMass?.length ?? 0) }, (_, b) => blockLines(b)),
        questionBlockMass: report.questionBlockMass && Array.from(report.questionBlockMass), baselineBlockMass: report.baselineBlockMass && Array.from(report.baselineBlockMass),
        questionLayerMass: report.questionLayerMass?.length ? Array.from(report.questionLayerMass, round6) : undefined,
        baselineLayerMass: report.baselineLayerMass?.length ? Array.from(report.baselineLayerMass, round6) : undefined,
        answerBlockMass: report.answerBlockMass && Array.from(report.answerBlockMass.subarray(0, Math.max(report.nBlocks, report.questionBlockMass?.length ?? 0))),
      };
    };
    try {
      r = await runAsk({
        repo, question: q.question, index, engine: engines.get(mode), model, device: DEVICE, attention: TAU === undefined ? { mode } : { mode, tau: TAU }, budgetTokens: budget, maxNewTokens: MAX_TOKENS,
        focus: q.focusFolder ? { folder: q.focusFolder } : undefined, onAttentionReport: keep, measureAnswer: ANSWER_ATTENTION,
      });
    } catch (e) {
      // One failed answer (e.g. the engine process killed for memory on a crowded machine) is logged and the run goes
      // on: the engine host starts a fresh engine for the next question. It is left out of the scores, and said so.
      log(`eval: ${mode} ${q.id} FAILED: ${(e as Error).message}`);
      failures.push({ id: q.id, mode, error: (e as Error).message });
      return;
    }
    // A GPU run that fell back to the CPU would be reported under the wrong device: stop instead.
    if (r.stats.device !== DEVICE) throw new Error(`eval: asked for ${DEVICE}, the engine ran on ${r.stats.device} (is the addon built with CUDA?).`);
    const overlayLines = overlayRange(repo, q, spot);
    const s = score(q, spot, overlayLines, r);
    const rec: Record_ = {
      id: q.id, kind: q.kind, mode, budget, device: r.stats.device, contextTokens: r.stats.contextTokens, answerLines: spot, overlayLines, answer: r.answer,
      topOverlay: r.selection.blocks.slice(0, 3).map((b) => ({ file: b.file, startLine: b.startLine, endLine: b.endLine })),
      attention: recorded && { ...recorded, promptTokens: r.stats.contextTokens },
      seconds: (Date.now() - t0) / 1000, ...s,
    };
    records.push(rec);
    writeResults(records, (Date.now() - started) / 1000);
    log(`eval: ${mode.padEnd(9)} ${q.id.padEnd(36)} ctx ${s.contextHit ? 'hit ' : 'MISS'} overlay@3 ${s.overlayHit3 ? 'hit ' : 'miss'} ` +
      `answer ${s.answerMatch ? 'match' : 'no   '} ${s.stopReason.padEnd(6)} ${r.stats.contextTokens} tok ${r.stats.device} ${rec.seconds.toFixed(1)} s`);
  };
  try {
    // Both corpora are indexed first and their questions interleaved, so a run stopped part way still covers both.
    const repos = new Map<string, { root: string; index: RepoIndex }>();
    try {
      for (const corpus of CORPORA) {
        if (!QUESTIONS.some((q) => q.corpus === corpus.name && (!ONLY || ONLY.test(q.id)))) continue;
        const root = ensureCorpus(corpus, log);
        repos.set(corpus.name, { root, index: await RepoIndex.build(root, { cacheDir: null }) });
      }
      // Retrieval alone first (seconds): the context hit rate at several budgets, without the model.
      const tokenizer = await loadTokenizer(model);
      const retrieval = retrievalAtBudgets(
        QUESTIONS.filter((x) => repos.has(x.corpus) && (!ONLY || ONLY.test(x.id))).map((q) => ({ q, ...repos.get(q.corpus)! })),
        RETRIEVAL_BUDGETS, tokenizer.count);
      retrievalRows.push(...retrieval);
      log(retrievalTable(retrieval));
      if (env.EVAL_RETRIEVAL_ONLY === '1') return;
      for (const q of interleaved(QUESTIONS.filter((x) => repos.has(x.corpus) && (!ONLY || ONLY.test(x.id))))) {
        const { root, index } = repos.get(q.corpus)!;
        const spot = answerRange(root, q);
        for (const mode of MODES) await ask(root, index, q, spot, mode, BUDGET);
      }
    } finally {
      for (const r of repos.values()) r.index.dispose();
    }
    if (PROBES) {
      const flask = ensureCorpus(CORPORA.find((c) => c.name === 'flask')!, log);
      const repo = probeRepo(flask);
      const index = await RepoIndex.build(repo, { cacheDir: null });
      try {
        for (const { label, budget } of PROBE_BUDGETS) {
          const q = probeQuestion(label);
          if (ONLY && !ONLY.test(q.id)) continue;
          const spot = answerRange(repo, q);
          for (const mode of MODES) await ask(repo, index, q, spot, mode, budget);
        }
      } finally {
        index.dispose();
      }
    }
  } finally {
    for (const e of engines.values()) e.dispose();
  }

  const seconds = (Date.now() - started) / 1000;
  writeResults(records, seconds);
  if (failures.length) process.stderr.write(`eval: ${failures.length} answers failed and are not scored: ${failures.map((f) => `${f.mode} ${f.id}`).join(', ')}\n`);
  process.stdout.write(table(records,
    `UniSparse Code eval: ${new Set(records.map((r) => r.id)).size} questions, SmolLM2 (${path.basename(model)}), budget ${BUDGET} tokens ` +
    `(probes ${PROBE_BUDGETS.map((p) => p.label).join('/')}), max ${MAX_TOKENS} new tokens, device ${DEVICE}${MACHINE.note ? ` (${MACHINE.note})` : ''}, ${os.cpus().length} CPUs, ${seconds.toFixed(0)} s`) + '\n');
  if (retrievalRows.length) process.stdout.write('\n' + retrievalTable(retrievalRows) + '\n');
  process.stderr.write(`eval: wrote ${OUT_FILE}\n`);
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`eval: ${(e as Error).stack ?? e}\n`); process.exit(1); });
