// Starts `unisparse serve` on the real model from source, on a free loopback port, for the serve and remote tests.
import { spawn, ChildProcess } from 'child_process';
import * as path from 'path';
import { smolLm2Path } from './modelFile';

const root = path.join(__dirname, '..', '..');

/** Starts `serve` and resolves with its base URL once it listens. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'),
    'serve', '--model', smolLm2Path(), '--port', '0', ...args], { cwd: root, env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(err);
      if (m) resolve({ child, base: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

