// Runs model mutants in child processes (test/support/fuzzChild.ts), so that a native crash or a hang is caught,
// attributed to its mutant, and the rest still run in a fresh child.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

export interface FuzzJob { file: string; prompt: number[]; steps: number; what: string }
export interface FuzzOutcome {
  what: string; file: string;
  status: 'error' | 'ran' | 'crash' | 'hang';
  message?: string; isError?: boolean; tokens?: number[]; degenerate?: string;
}

/** Runs `jobs` in order; a child that dies or goes quiet for `hangMs` is replaced, starting after its mutant. */
export async function runMutants(jobs: FuzzJob[], hangMs = 30000): Promise<FuzzOutcome[]> {
  const list = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-fuzz-')), 'jobs.json');
  fs.writeFileSync(list, JSON.stringify(jobs.map(({ file, prompt, steps }) => ({ file, prompt, steps }))));
  const outcomes: (FuzzOutcome | undefined)[] = new Array(jobs.length).fill(undefined);
  try {
    let next = 0;
    while (next < jobs.length) {
      next = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(__dirname, 'fuzzChild.ts'), list, String(next)],
          { stdio: ['ignore', 'pipe', 'pipe'] });
        let current = next; let buffered = ''; let stderr = ''; let hung = false;
        let timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, hangMs * 3);   // the first one pays for start-up
        child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
        child.stdout.on('data', (d) => {
          buffered += d;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            const m = /^(begin|result) (\d+)(?: (.*))?$/.exec(line);
            if (!m) continue;
            clearTimeout(timer);
            timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, hangMs);
            const i = Number(m[2]);
            if (m[1] === 'begin') current = i;
            else { outcomes[i] = { what: jobs[i].what, file: jobs[i].file, ...(JSON.parse(m[3]) as Omit<FuzzOutcome, 'what' | 'file'>) }; current = i + 1; }
          }
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (current < jobs.length && !outcomes[current]) {
            outcomes[current] = { what: jobs[current].what, file: jobs[current].file, status: hung ? 'hang' : 'crash',
              message: `${signal ?? `exit code ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
          }
          resolve(current + 1);
        });
      });
    }
  } finally {
    fs.rmSync(path.dirname(list), { recursive: true, force: true });
  }
  return outcomes.map((o, i) => o ?? { what: jobs[i].what, file: jobs[i].file, status: 'crash', message: 'no result' });
}

/** Failure lines for the outcomes that are neither a clean error naming the file nor a non-degenerate run. */
export function fuzzFailures(outcomes: FuzzOutcome[]): string[] {
  const bad: string[] = [];
  for (const o of outcomes) {
    const name = path.basename(o.file);
    if (o.status === 'crash' || o.status === 'hang') bad.push(`${o.status}: ${o.what} (${o.message})`);
    else if (o.status === 'error' && (!o.isError || !o.message?.includes(name))) bad.push(`unclear error: ${o.what}: ${o.message}`);
    else if (o.status === 'ran' && o.degenerate) bad.push(`silent garbage: ${o.what}: ${o.degenerate}`);
  }
  return bad;
}

export function summary(outcomes: FuzzOutcome[]): string {
  const count = (s: FuzzOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return `${outcomes.length} mutants: ${count('error')} clean errors, ${count('ran')} valid runs, ${count('crash')} crashes, ${count('hang')} hangs`;
}
