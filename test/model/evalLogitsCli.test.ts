// `unisparse eval-logits` must print exactly what Model.eval computes for the same ids.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTokenizer } from '../../server/tokenizer/tokenizer';
import { openSmolLm2 } from './nativeSmolLm2';
import { smolLm2Path } from './modelFile';
import { runCli } from './cliRunner';

describe('unisparse eval-logits', function () {
  this.timeout(300000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-evl-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('matches Model.eval at the requested positions', async () => {
    const tok = await loadTokenizer(smolLm2Path());
    const ids = tok.encode('function greet(name) {\n  return "Hello, " + name;\n}\n');
    const file = path.join(dir, 'tokens.json');
    fs.writeFileSync(file, JSON.stringify(ids));
    const positions = [0, 5, ids.length - 1];
    const run = await runCli(['eval-logits', '--model', smolLm2Path(), '--tokens', file, '--positions', positions.join(',')]);
    assert.strictEqual(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { positions: number[]; logits: number[][] };
    assert.deepStrictEqual(out.positions, positions);

    const model = openSmolLm2();
    try {
      const vocab = model.info.vocabSize;
      const all = model.eval(ids, { logits: 'all' });
      positions.forEach((p, i) => {
        const want = all.subarray(p * vocab, (p + 1) * vocab);
        assert.strictEqual(out.logits[i].length, vocab);
        let maxDiff = 0;
        let maxAbs = 0;
        for (let j = 0; j < vocab; j++) {
          maxDiff = Math.max(maxDiff, Math.abs(out.logits[i][j] - want[j]));
          maxAbs = Math.max(maxAbs, Math.abs(want[j]));
        }
        assert.ok(maxDiff <= 1e-4 * maxAbs, `position ${p}: max difference ${maxDiff} (max |logit| ${maxAbs})`);
      });
    } finally {
      model.dispose();
    }
  });

  it('defaults to the last position and rejects bad input with exit code 2', async () => {
    const file = path.join(dir, 'three.json');
    fs.writeFileSync(file, '[1, 2, 3]');
    const ok = await runCli(['eval-logits', '--model', smolLm2Path(), '--tokens', file]);
    assert.strictEqual(ok.code, 0, ok.stderr);
    assert.deepStrictEqual(JSON.parse(ok.stdout).positions, [2]);

    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"not": "an array"}');
    for (const args of [
      ['--model', smolLm2Path(), '--tokens', bad],
      ['--model', smolLm2Path(), '--tokens', path.join(dir, 'missing.json')],
      ['--model', path.join(dir, 'missing.gguf'), '--tokens', file],
      ['--model', smolLm2Path(), '--tokens', file, '--positions', '7'],
      ['--tokens', file],
    ]) {
      const r = await runCli(['eval-logits', ...args]);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^unisparse: .+\nRun 'unisparse eval-logits --help'/);
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    }
  });

  it('--device cuda where no GPU is usable runs on the CPU and says so in one line', async () => {
    const file = path.join(dir, 'three.json');
    fs.writeFileSync(file, '[1, 2, 3]');
    const native = require('../../native') as { gpuStatus?: () => { usable: boolean } };
    const cuda = await runCli(['eval-logits', '--model', smolLm2Path(), '--tokens', file, '--device', 'cuda']);
    assert.strictEqual(cuda.code, 0, cuda.stderr);
    if (native.gpuStatus?.().usable) return;  // the GPU machine: test/gpu/e2e compares the two devices
    assert.match(cuda.stderr, /^--device cuda: no usable GPU \(.+\); running on the CPU\.\n$/);
    const cpu = await runCli(['eval-logits', '--model', smolLm2Path(), '--tokens', file, '--device', 'cpu']);
    assert.deepStrictEqual(JSON.parse(cuda.stdout).logits, JSON.parse(cpu.stdout).logits);
  });
});
