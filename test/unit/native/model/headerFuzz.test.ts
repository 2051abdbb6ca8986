// Seeded mutants of generated GGUF and safetensors model headers (one field each: hyperparameters, special token
// ids, tensor types, shapes and offsets, array and string lengths, flipped bits, truncation, config.json values):
// each must end in an Error that names the file, or load and run with finite, non-constant logits. Zero crashes,
// zero hangs. The mutants run in child processes, so a native crash is caught and attributed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tinyConfig, randomTokens } from '../../../support/tinyLlama';
import { TempModelDir } from '../../../support/tempModels';
import { scanGguf, mutateGgufHeader, writeGgufMutant, writeSafetensorsMutant } from '../../../support/modelFuzz';
import { runMutants, fuzzFailures, summary, FuzzJob } from '../../../support/fuzzRunner';
import { loadModelClass } from '../../../support/nativeModel';
import { loadTokenizer } from '../../../../server/tokenizer/tokenizer';

const GGUF_MUTANTS = 130;
const SAFETENSORS_MUTANTS = 100;

describe('model runtime: fuzzed model headers end in a clean error or a valid run', function () {
  this.timeout(300000);
  const tmp = new TempModelDir();
  const cfg = tinyConfig();
  const prompt = randomTokens(12, cfg.vocabSize, 7);
  after(() => tmp.dispose());

  it(`${GGUF_MUTANTS} GGUF mutants (tiny Llama with a vocabulary, Q8_0 weights)`, async () => {
    const good = tmp.gguf(cfg, 3, { withVocabulary: true, weightType: 'Q8_0' });
    const original = fs.readFileSync(good.path);
    const scan = scanGguf(original);
    const jobs: FuzzJob[] = [{ file: good.path, prompt, steps: 3, what: 'the unmutated file' }];
    for (let seed = 1; seed <= GGUF_MUTANTS; seed++) {
      const m = mutateGgufHeader(original, scan, seed);
      const file = tmp.file(`gguf-mutant-${seed}.gguf`);
      writeGgufMutant(file, original, m, scan.headerEnd);
      jobs.push({ file, prompt, steps: 3, what: `seed ${seed}: ${m.what}` });
    }
    const outcomes = await runMutants(jobs);
    console.log(`      ${summary(outcomes)}`);
    assert.strictEqual(outcomes[0].status, 'ran', outcomes[0].message);
    assert.deepStrictEqual(fuzzFailures(outcomes), []);
    assert.ok(outcomes.filter((o) => o.status === 'error').length >= GGUF_MUTANTS / 3, 'most mutations should be caught');
  });

  it(`${SAFETENSORS_MUTANTS} safetensors mutants (header and config.json)`, async () => {
    const good = tmp.safetensors(cfg, 4, { dtype: 'F16' });
    const jobs: FuzzJob[] = [{ file: good.path, prompt, steps: 3, what: 'the unmutated folder' }];
    for (let seed = 1; seed <= SAFETENSORS_MUTANTS; seed++) {
      const dir = tmp.file(`st-mutant-${seed}`);
      const what = writeSafetensorsMutant(good.path, dir, 1000 + seed);
      jobs.push({ file: dir, prompt, steps: 3, what: `seed ${1000 + seed}: ${what}` });
    }
    const outcomes = await runMutants(jobs);
    console.log(`      ${summary(outcomes)}`);
    assert.strictEqual(outcomes[0].status, 'ran', outcomes[0].message);
    assert.deepStrictEqual(fuzzFailures(outcomes), []);
    assert.ok(outcomes.filter((o) => o.status === 'error').length >= SAFETENSORS_MUTANTS / 3, 'most mutations should be caught');
    assert.ok(path.basename(jobs[1].file).startsWith('st-mutant'));
  });
});

// The mutations that used to load without a word (and then gave empty or garbage answers), one by one: each must
// now be an error that names the file and the field.
describe('model runtime: implausible headers are rejected by name', () => {
  const tmp = new TempModelDir();
  const cfg = tinyConfig();
  after(() => tmp.dispose());

  function edited(name: string, edit: (b: Buffer, field: (n: string) => number, offsets: number[]) => void): string {
    const good = tmp.gguf(cfg, 5, { withVocabulary: true });
    const bytes = fs.readFileSync(good.path);
    const scan = scanGguf(bytes);
    const field = (n: string) => {
      const f = scan.fields.find((x) => x.name === n && x.kind !== 'stringLen' && x.kind !== 'nDims');
      assert.ok(f, `no field ${n}`);
      return f.at;
    };
    edit(bytes, field, scan.tensorOffsets);
    const file = tmp.file(name);
    fs.writeFileSync(file, bytes);
    return file;
  }

  function expectError(file: string, ...patterns: RegExp[]): void {
    const Model = loadModelClass();
    assert.throws(() => new Model(file, { threads: 1 }).dispose(), (e: Error) => {
      assert.ok(e.message.includes(path.basename(file)), e.message);
      for (const p of patterns) assert.match(e.message, p);
      return true;
    });
  }

  it('context_length 0', () => expectError(edited('ctx0.gguf', (b, f) => b.writeUInt32LE(0, f('llama.context_length'))), /llama\.context_length is 0/));
  it('rms epsilon NaN', () => expectError(edited('eps-nan.gguf', (b, f) => b.writeFloatLE(NaN, f('llama.attention.layer_norm_rms_epsilon'))), /layer_norm_rms_epsilon is nan/i));
  it('rope base negative', () => expectError(edited('theta.gguf', (b, f) => b.writeFloatLE(-5, f('llama.rope.freq_base'))), /rope\.freq_base is -5/));
  it('a block count of 2^31 - 1', () => expectError(edited('layers.gguf', (b, f) => b.writeUInt32LE(2 ** 31 - 1, f('llama.block_count'))), /block_count is 2147483647/));
  it('bos and eos token ids outside the vocabulary (the model and the tokenizer both refuse them)', async () => {
    const bos = edited('bos.gguf', (b, f) => b.writeUInt32LE(cfg.vocabSize + 5, f('tokenizer.ggml.bos_token_id')));
    expectError(bos, /bos_token_id is \d+, outside the vocabulary/);
    await assert.rejects(loadTokenizer(bos), /bos\.gguf: the bos token id \d+ is outside the vocabulary/);
    expectError(edited('eos.gguf', (b, f) => b.writeUInt32LE(0xffffffff, f('tokenizer.ggml.eos_token_id'))), /eos_token_id is 4294967295, outside the vocabulary/);
  });
  it('a tensor re-typed (F32 -> F16: its data no longer matches its size)', () =>
    expectError(edited('retyped.gguf', (b, f) => b.writeUInt32LE(1, f('blk.0.attn_norm.weight'))), /blk\.0\.attn_norm\.weight is F16 .* does not match its data/));
  it('two tensors at the same offset (overlap)', () =>
    expectError(edited('overlap.gguf', (b, f, offsets) => {
      const at = scanGguf(b).fields.filter((x) => x.kind === 'toffset')[2].at;
      b.writeBigUInt64LE(BigInt(offsets[1]), at);
    }), /overlap/));
});

describe('model runtime: implausible safetensors folders are rejected by name', () => {
  const tmp = new TempModelDir();
  const cfg = tinyConfig();
  after(() => tmp.dispose());
  const load = (dir: string) => {
    const Model = loadModelClass();
    new Model(dir, { threads: 1 }).dispose();
  };

  it('two tensors sharing their bytes (overlapping data offsets)', () => {
    const m = tmp.safetensors(cfg, 6, {
      headerPatch: (h) => {
        const a = h['model.layers.0.input_layernorm.weight'] as { data_offsets: number[] };
        const b = h['model.layers.0.post_attention_layernorm.weight'] as { data_offsets: number[] };
        b.data_offsets = a.data_offsets.slice();
      },
    });
    assert.throws(() => load(m.path), /model\.safetensors: .*(overlaps|belong to no tensor)/);
  });

  it('config.json eos_token_id outside the vocabulary, and a NaN-like rms_norm_eps', () => {
    const m = tmp.safetensors(cfg, 7);
    const file = path.join(m.path, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...config, eos_token_id: [1, cfg.vocabSize + 3] }));
    assert.throws(() => load(m.path), /config\.json: eos_token_id is \d+, outside the vocabulary/);
    fs.writeFileSync(file, JSON.stringify({ ...config, rms_norm_eps: 0 }));
    assert.throws(() => load(m.path), /config\.json: rms_norm_eps is 0; it must be a finite number above 0/);
  });
});
