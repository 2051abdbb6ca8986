// `ask --remote`: the ask pipeline against a real `unisparse serve` process (the team set-up: one engine, many
// clients). The answer, its citations and the selected blocks (overlay data sent back by serve) must be as
// usable as a local answer's; a wrong key is one clear failure.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ChildProcess } from 'child_process';
import { runCli } from './cliRunner';
import { startServe } from './serveProcess';

const repo = path.join(__dirname, '..', 'fixtures', 'repos', 'shop');
const KEY = 'remote-key-0123456789';

describe('ask --remote against a real unisparse serve', function () {
  this.timeout(600000);
  let child: ChildProcess;
  let base = '';
  before(async () => { ({ child, base } = await startServe(['--attention', 'unisparse'], { UNISPARSE_API_KEY: KEY })); });
  after(() => { child?.kill('SIGINT'); });

  it('answers with citations and the blocks the remote sparse attention selected, mapped to real lines', async () => {
    const run = await runCli(['ask', '--repo', repo, '--remote', base, '--json', '--no-cache', '--budget', '1000', '--max-tokens', '40',
      'How are discounts applied to the cart total?'], 550000, { UNISPARSE_REMOTE_API_KEY: KEY });
    assert.strictEqual(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.ok(out.answer.length > 0);
    assert.deepStrictEqual(out.stats.remote, { url: base, overlays: true });
    assert.ok(out.stats.density > 0 && out.stats.density <= 1);
    assert.ok(out.selectedBlocks.length > 0, 'overlay data came back');
    for (const b of out.selectedBlocks) {
      const lines = fs.readFileSync(path.join(repo, b.file), 'utf8').split('\n').length;
      assert.ok(b.startLine >= 1 && b.startLine <= b.endLine && b.endLine <= lines, JSON.stringify(b));
    }
    assert.ok(out.stats.contextChunks.length > 0);
  });

  it('a wrong key fails once, with the HTTP status and what to check (exit 1)', async () => {
    const run = await runCli(['ask', '--repo', repo, '--remote', base, '--remote-key', 'wrong-key-000', '--no-cache', 'Where is the cart total?']);
    assert.strictEqual(run.code, 1, run.stderr);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('unisparse:'));
    assert.strictEqual(lines.length, 1, run.stderr);
    assert.match(lines[0], /HTTP 401: Missing or wrong API key.*Check the API key/);
  });
});
