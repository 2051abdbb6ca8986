// Runs model mutants one after another in a child process, for the fuzz tests: prints `begin <i>` before each and
// `result <i> <json>` after, so that the parent can tell which mutant a native crash or a hang belongs to and go on
// with the rest in a fresh child. Each mutant ends in {status: 'error', message} (a thrown Error: a clean
// rejection) or {status: 'ran', tokens, degenerate} (loaded and generated greedily from the given prompt).
import * as fs from 'fs';
import { loadModelClass } from './nativeModel';

interface Job { file: string; prompt: number[]; steps: number }

const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Job[];
const start = Number(process.argv[3] ?? 0);
const Model = loadModelClass();

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Logits no sampler can use: not finite, or all the same (nothing is preferred). */
function degenerateRow(row: Float32Array): string | undefined {
  let min = Infinity; let max = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (!Number.isFinite(v)) return `logit ${i} is ${v}`;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min < 1e-6 ? 'all logits are equal' : undefined;
}

for (let i = start; i < jobs.length; i++) {
  const job = jobs[i];
  process.stdout.write(`begin ${i}\n`);
  let result: Record<string, unknown>;
  try {
    const m = new Model(job.file, { threads: 1, maxContext: 256 });
    try {
      const tokens: number[] = [];
      let degenerate: string | undefined;
      let row = m.eval(Int32Array.from(job.prompt), { logits: 'last' }) as Float32Array;
      for (let s = 0; s < job.steps && !degenerate; s++) {
        degenerate = degenerateRow(row);
        const t = argmax(row);
        tokens.push(t);
        row = m.eval(Int32Array.from([t]), { logits: 'last' }) as Float32Array;
      }
      if (!degenerate && tokens.length > 2 && tokens.every((t) => t === tokens[0])) degenerate = `the same token ${tokens[0]} every step`;
      result = { status: 'ran', tokens, degenerate };
    } finally { m.dispose(); }
  } catch (e) {
    result = { status: 'error', message: (e as Error).message, isError: e instanceof Error };
  }
  process.stdout.write(`result ${i} ${JSON.stringify(result)}\n`);
}
