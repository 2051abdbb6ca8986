/**
 * Real public code for the evaluation, fetched at pinned versions through the registries' own clients and cached
 * outside the repository ($XDG_CACHE_HOME/unisparse/eval, default ~/.cache/unisparse/eval): Flask's source
 * distribution with pip, Express's package with npm. A marker file records a complete extraction, so an
 * interrupted fetch is redone rather than half-used.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface CorpusSpec {
  name: 'flask' | 'express';
  version: string;
  client: 'pip' | 'npm';
  /** The folder inside the archive that becomes the corpus root. */
  folder: string;
}

export const CORPORA: CorpusSpec[] = [
  { name: 'flask', version: '3.0.3', client: 'pip', folder: 'flask-3.0.3' },
  { name: 'express', version: '4.19.2', client: 'npm', folder: 'package' },
];

export function evalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'unisparse', 'eval');
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** The corpus root, fetching and extracting it first when it is not cached. */
export function ensureCorpus(spec: CorpusSpec, log: (line: string) => void = () => undefined): string {
  const dir = path.join(evalCacheDir(), `${spec.name}-${spec.version}`);
  const root = path.join(dir, spec.folder);
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker) && fs.existsSync(root)) return root;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const download = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-eval-'));
  try {
    if (spec.client === 'pip') {
      log(`eval: pip download --no-deps --no-binary :all: ${spec.name}==${spec.version}`);
      run('python3', ['-m', 'pip', 'download', '--no-deps', '--no-binary', ':all:', '--disable-pip-version-check', `${spec.name}==${spec.version}`, '-d', download], download);
    } else {
      log(`eval: npm pack ${spec.name}@${spec.version}`);
      run('npm', ['pack', `${spec.name}@${spec.version}`, '--silent', '--pack-destination', download], download);
    }
    const archive = fs.readdirSync(download).find((f) => /\.(tar\.gz|tgz)$/.test(f));
    if (!archive) throw new Error(`${spec.client} left no source archive for ${spec.name} ${spec.version} in ${download}.`);
    run('tar', ['-xzf', path.join(download, archive), '-C', dir], dir);
    if (!fs.existsSync(root)) throw new Error(`${archive} has no folder ${spec.folder}.`);
    fs.writeFileSync(marker, `${spec.client} ${spec.name} ${spec.version}\n`);
    return root;
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
}
