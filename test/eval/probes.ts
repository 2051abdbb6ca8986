/**
 * Long-context retrieval probes: a definition planted in a copy of real code (Flask's sources), asked for by name
 * with a context budget of about 2K, 4K or 8K tokens, so the packed prompt is mostly real code around one needle.
 */
import * as fs from 'fs';
import * as path from 'path';
import { evalCacheDir } from './corpora';
import type { EvalQuestion } from './questions';

export const PROBE_FILE = 'src/flask/quota_rules.py';

const PLANTED = [
  '"""Request quotas for the rate limiter."""',
  '',
  'ZEPHYR_WINDOW_SECONDS = 90',
  '',
  '',
  'def compute_zephyr_quota(requests_per_minute: int, burst: int) -> int:',
  '    """Tokens granted per window: the steady rate plus a bounded burst."""',
  '    steady = requests_per_minute * ZEPHYR_WINDOW_SECONDS // 60',
  '    return steady + min(burst, 25)',
  '',
].join('\n');

/** Context budgets of the probes, named by the prompt size they give (the model's window is 8192 tokens). */
export const PROBE_BUDGETS: { label: string; budget: number }[] = [
  { label: '2K', budget: 1900 },
  { label: '4K', budget: 3900 },
  { label: '8K', budget: 7600 },
];

/** A copy of the Flask corpus with the planted file; built once and cached. */
export function probeRepo(flaskRoot: string): string {
  const dir = path.join(evalCacheDir(), 'probe-flask-3.0.3');
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(flaskRoot, 'src'), path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, PROBE_FILE), PLANTED);
  fs.writeFileSync(marker, 'probe\n');
  return dir;
}

export function probeQuestion(label: string): EvalQuestion {
  return {
    id: `probe-${label}`, corpus: 'flask', kind: 'definition', question: 'Where is compute_zephyr_quota defined?',
    file: PROBE_FILE, pattern: /^def compute_zephyr_quota\(/m, extraLines: 3, expect: 'compute_zephyr_quota',
    // The folder focus makes the packer fill the budget with the package's real code, not only the needle.
    focusFolder: 'src/flask',
  };
}
