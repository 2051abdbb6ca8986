// `unisparse generate` with the real model: a chat answer, and seeded sampling that repeats exactly.
import * as assert from 'assert';
import { runCli } from './cliRunner';
import { smolLm2Path } from './modelFile';

describe('unisparse generate', function () {
  this.timeout(300000);

  it('answers a chat prompt greedily', async () => {
    const r = await runCli(['generate', '--model', smolLm2Path(), '--chat', '--max-tokens', '20', '--prompt', 'What is the capital city of France? Answer in one sentence.']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /Paris/);
    assert.match(r.stderr, /prompt tokens, \d+ generated \(eos\)/);
  });

  it('repeats a sampled completion for the same seed and changes with another', async () => {
    const args = (seed: number) => ['generate', '--model', smolLm2Path(), '--json', '--max-tokens', '16', '--temperature', '1.0', '--seed', String(seed), '--prompt', 'Once upon a time'];
    const a = JSON.parse((await runCli(args(1))).stdout);
    const b = JSON.parse((await runCli(args(1))).stdout);
    const c = JSON.parse((await runCli(args(2))).stdout);
    assert.deepStrictEqual(a.tokens, b.tokens);
    assert.strictEqual(a.tokens.length, 16);
    assert.notDeepStrictEqual(a.tokens, c.tokens);
  });
});

describe('unisparse generate, interrupted', function () {
  this.timeout(300000);
  it('stops on Ctrl-C (SIGINT) within a moment, keeping the text so far, exit code 130', async () => {
    const { spawn } = await import('child_process');
    const path = await import('path');
    const root = path.join(__dirname, '..', '..');
    const child = spawn(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'),
      'generate', '--model', smolLm2Path(), '--max-tokens', '3000', '--temperature', '0.8', '--prompt', 'Once upon a time'], { cwd: root });
    let stdout = '';
    let stderr = '';
    let interruptedAt = 0;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!interruptedAt && stdout.length > 40) { interruptedAt = Date.now(); child.kill('SIGINT'); }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const latency = Date.now() - interruptedAt;
    assert.ok(interruptedAt > 0, `no output before exit: ${stderr}`);
    assert.strictEqual(code, 130, stderr);
    assert.ok(latency < 3000, `exited ${latency} ms after SIGINT`);
    assert.match(stderr, /generated \(cancelled\)/);
    assert.ok(stdout.length > 40);
  });
});
