// Ctrl-C in a terminal sends SIGINT to the whole process group: the CLI and its engine child. The engine must
// leave the decision to the CLI, which cancels the answer and exits 130 with one "cancelled" line.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { smolLm2Path } from './modelFile';

const root = path.join(__dirname, '..', '..');
const repo = path.join(__dirname, '..', 'fixtures', 'repos', 'shop');

describe('Ctrl-C (SIGINT to the process group)', function () {
  this.timeout(300000);

  for (const [name, args, ready] of [
    ['ask, while the answer streams', ['ask', '--repo', repo, '--model', smolLm2Path(), '--no-cache', '--budget', '600', '--max-tokens', '400', 'Explain every function in detail.'], 'stdout'],
    ['generate, while it streams', ['generate', '--model', smolLm2Path(), '--prompt', 'Count from one to one thousand:', '--max-tokens', '2000'], 'stdout'],
  ] as const) {
    it(`${name}: exit 130, "cancelled" once, the engine not reported as crashed`, async () => {
      // detached: its own process group, as a shell gives a foreground job; the signal goes to the group.
      const child = spawn(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'), ...args],
        { cwd: root, detached: true });
      let stdout = ''; let stderr = ''; let sent = false;
      const interrupt = () => { if (!sent) { sent = true; process.kill(-child.pid!, 'SIGINT'); } };
      child.stdout.on('data', (d) => { stdout += d; if (ready === 'stdout' && stdout.trim().length > 0) interrupt(); });
      child.stderr.on('data', (d) => { stderr += d; });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.ok(sent, `no output before the process ended: ${stderr}`);
      assert.strictEqual(code, 130, stderr);
      const lines = stderr.replace(/\r[^\n]*\r?/g, '').split('\n').filter((l) => l.startsWith('unisparse:'));
      assert.strictEqual(lines.filter((l) => l === 'unisparse: cancelled').length, 1, stderr);
      assert.doesNotMatch(stderr, /engine process|killed by|exited with code/, stderr);
    });
  }

  it('the engine killed mid-answer (not by Ctrl-C): exit 1 and the failure reported once', async () => {
    const child = spawn(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'),
      'ask', '--repo', repo, '--model', smolLm2Path(), '--no-cache', '--budget', '600', '--max-tokens', '400', 'Explain every function in detail.'], { cwd: root });
    let stdout = ''; let stderr = ''; let killed = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!killed && stdout.trim()) {
        killed = true;
        const engines = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
        for (const pid of engines) process.kill(pid, 'SIGKILL');
      }
    });
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(killed, stderr);
    assert.strictEqual(code, 1, stderr);
    const lines = stderr.replace(/\r[^\n]*\r?/g, '').split('\n').filter((l) => l.startsWith('unisparse:'));
    assert.strictEqual(lines.filter((l) => /killed by SIGKILL/.test(l)).length, 1, stderr);
  });
});
