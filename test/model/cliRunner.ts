// Runs the `unisparse` CLI from source (the same code the bundle carries) and captures its output.
import { spawn } from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

export interface CliRun { code: number | null; stdout: string; stderr: string }

export function runCli(args: string[], timeoutMs = 550000, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'), ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => { child.kill(); reject(new Error(`unisparse ${args.join(' ')} timed out; stderr: ${stderr}`)); }, timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
