// `unisparse ask --json` end to end on a fixture repository with the real model: the answer's citations
// and the selected blocks must point at lines that exist, and the stats must report tokens and density.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from './cliRunner';
import { smolLm2Path } from './modelFile';

const repo = path.join(__dirname, '..', 'fixtures', 'repos', 'shop');

interface Range { file: string; startLine: number; endLine: number }

function assertExistingLines(r: Range, what: string): void {
  const file = path.join(repo, r.file);
  assert.ok(fs.existsSync(file), `${what} names ${r.file}, which does not exist`);
  const lines = fs.readFileSync(file, 'utf8').split('\n').length;
  assert.ok(Number.isInteger(r.startLine) && r.startLine >= 1 && r.startLine <= r.endLine && r.endLine <= lines,
    `${what} ${r.file}:${r.startLine}-${r.endLine} is outside the file's ${lines} lines`);
}

describe('unisparse ask --json (SmolLM2, fixture repository)', function () {
  this.timeout(600000);

  for (const attention of ['unisparse', 'dense'] as const) {
    it(`answers with citations, selected blocks and stats (${attention})`, async () => {
      const run = await runCli(['ask', '--repo', repo, '--model', smolLm2Path(), '--json', '--no-cache', '--attention', attention,
        '--budget', '1200', '--max-tokens', '96', 'How are discounts applied to the cart total?']);
      assert.strictEqual(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout);
      assert.deepStrictEqual(Object.keys(out).sort(), ['answer', 'citations', 'selectedBlocks', 'stats']);
      assert.ok(typeof out.answer === 'string' && out.answer.length > 0);
      assert.ok(out.citations.length > 0, 'at least one citation');
      for (const c of out.citations) assertExistingLines(c, 'citation');
      for (const b of out.selectedBlocks) {
        assertExistingLines(b, 'selected block');
        assert.ok(b.score > 0 && b.score <= 1);
      }
      const s = out.stats;
      assert.ok(s.contextTokens > 200 && s.contextTokens < 1600, `contextTokens ${s.contextTokens}`);
      assert.ok(s.ttftMs > 0 && s.decodeTokensPerS > 0);
      // The answer ends by itself (end of turn or end of its paragraph), well before the 96-token limit.
      assert.ok(['eos', 'stop'].includes(s.stopReason), `stopReason ${s.stopReason} after ${s.decodeTokens} tokens`);
      assert.ok(s.contextChunks.length > 0, 'the packed chunks are listed');
      for (const c of s.contextChunks) {
        assertExistingLines(c, 'context chunk');
        assert.ok(Number.isInteger(c.tokens) && c.tokens > 0, `chunk ${c.file}:${c.startLine} has ${c.tokens} tokens`);
      }
      const chunkTokens = s.contextChunks.reduce((n: number, c: { tokens: number }) => n + c.tokens, 0);
      assert.ok(chunkTokens <= s.contextTokens && chunkTokens > s.contextTokens / 2, `chunk tokens ${chunkTokens} of ${s.contextTokens}`);
      if (attention === 'dense') {
        assert.strictEqual(s.density, 1);
      } else {
        assert.ok(s.density > 0 && s.density < 1, `density ${s.density}`);
        assert.ok(out.selectedBlocks.length > 0, 'sparse attention selected some context blocks');
        assert.ok(out.selectedBlocks.some((b: Range) => b.file.startsWith('src/')), 'a selected block lies in the source files');
      }
      console.log(`      ${attention}: ${s.contextTokens} tokens, density ${s.density.toFixed(3)}, ttft ${s.ttftMs} ms, ` +
        `${s.decodeTokensPerS.toFixed(1)} tok/s, citations ${out.citations.map((c: Range) => `${c.file}:${c.startLine}`).join(' ')}`);
    });
  }

  it('--device cuda answers from the GPU where one is usable, else from the CPU with one line saying so', async () => {
    const native = require('../../native') as { gpuStatus?: () => { usable: boolean } };
    const run = await runCli(['ask', '--repo', repo, '--model', smolLm2Path(), '--json', '--no-cache', '--device', 'cuda',
      '--budget', '300', '--max-tokens', '4', 'Where is the cart total computed?']);
    assert.strictEqual(run.code, 0, run.stderr);
    const usable = native.gpuStatus?.().usable === true;
    assert.strictEqual(JSON.parse(run.stdout).stats.device, usable ? 'cuda' : 'cpu');
    const warnings = run.stderr.split('\n').filter((l) => /no usable GPU/.test(l));
    assert.strictEqual(warnings.length, usable ? 0 : 1, run.stderr);
    if (!usable) assert.match(warnings[0], /^--device cuda: no usable GPU \(.+\); running on the CPU\.$/);
  });

  it('streams the answer, then citations, without --json', async () => {
    const run = await runCli(['ask', '--repo', repo, '--model', smolLm2Path(), '--no-cache', '--budget', '800', '--max-tokens', '24', 'What does isValidCode check?']);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, /\nCitations:\n  src\/[a-z]+\.ts:\d+/);
    assert.match(run.stderr, /context tokens, density/);
  });

  it('explains a missing repository in one line', async () => {
    const run = await runCli(['ask', '--repo', path.join(repo, 'nope'), '--model', smolLm2Path(), 'anything?']);
    assert.strictEqual(run.code, 2, 'a repository path that does not exist is a usage error');
    assert.match(run.stderr, /--repo .*nope: no such folder/);
    assert.ok(!/\n\s+at /.test(run.stderr), 'no stack trace');
  });
});
