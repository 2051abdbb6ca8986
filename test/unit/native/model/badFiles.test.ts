// Crafted bad model files: each must be rejected with an Error whose message names the file and the
// problem (and the tensor where there is one), and the process must go on working afterwards.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tinyConfig } from '../../../support/tinyLlama';
import { TempModelDir } from '../../../support/tempModels';
import { makeTinyLlama } from '../../../support/tinyLlama';
import { tinyLlamaToGguf } from '../../../support/ggufFromHf';
import { writeGguf } from '../../../support/ggufWriter';
import { loadModelClass } from '../../../support/nativeModel';

describe('model runtime: bad model files get clear errors', () => {
  const tmp = new TempModelDir();
  const cfg = tinyConfig();
  after(() => tmp.dispose());

  /** Asserts `new Model(file)` throws an Error mentioning the file's name and matching every pattern. */
  function expectLoadError(file: string, ...patterns: RegExp[]): void {
    const Model = loadModelClass();
    let error: unknown;
    try {
      new Model(file, { threads: 1 }).dispose();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error, `loading ${path.basename(file)} should throw an Error, got ${String(error)}`);
    const msg = error.message;
    assert.ok(msg.includes(path.basename(file)), `message should name ${path.basename(file)}: ${msg}`);
    for (const p of patterns) assert.match(msg, p);
  }

  /** A GGUF file's bytes with an edit applied, written under a new name. */
  function editedGguf(name: string, edit: (bytes: Uint8Array) => Uint8Array): string {
    const good = tmp.gguf(cfg, 1);
    const file = tmp.file(name);
    fs.writeFileSync(file, edit(new Uint8Array(fs.readFileSync(good.path))));
    return file;
  }

  it('a missing file', () => expectLoadError(tmp.file('does-not-exist.gguf'), /not (found|exist)|no such|ENOENT|cannot open|could not open/i));

  it('a GGUF truncated inside the tensor data', () =>
    expectLoadError(editedGguf('truncated-data.gguf', (b) => b.subarray(0, b.length - 5000)),
      /truncat|past the end|beyond|exceeds|too short|extends/i));

  it('a GGUF truncated inside the header', () =>
    expectLoadError(editedGguf('truncated-header.gguf', (b) => b.subarray(0, 40)), /truncat|past the end|beyond|too short|unexpected end|incomplete/i));

  it('a file with the wrong magic', () =>
    expectLoadError(editedGguf('wrong-magic.gguf', (b) => { const c = b.slice(); c.set([0x47, 0x47, 0x4d, 0x4c]); return c; }),
      /magic|not a GGUF/i));

  it('an unsupported GGUF version', () =>
    expectLoadError(editedGguf('version-99.gguf', (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4, 99, true); return c; }),
      /version/i));

  it('a tensor whose shape does not match the model (wrong byte size)', () => {
    const { file } = tinyLlamaToGguf(cfg, makeTinyLlama(cfg, 1));
    const t = file.tensors.find((x) => x.name === 'blk.1.attn_q.weight')!;
    t.dims = [64, 32];
    t.data = t.data.subarray(0, t.data.length / 2);
    const p = tmp.file('wrong-shape.gguf');
    writeGguf(p, file);
    expectLoadError(p, /blk\.1\.attn_q\.weight/, /shape|size|expected|dimension/i);
  });

  it('a tensor with an unknown ggml type id', () => {
    const { file } = tinyLlamaToGguf(cfg, makeTinyLlama(cfg, 1));
    const t = file.tensors.find((x) => x.name === 'blk.0.ffn_up.weight')!;
    t.typeIdOverride = 99;
    const p = tmp.file('unknown-type.gguf');
    writeGguf(p, file);
    expectLoadError(p, /blk\.0\.ffn_up\.weight/, /type/i, /99|unknown|unsupported/i);
  });

  it('a missing tensor', () => {
    const m = tmp.gguf(cfg, 1, { omitTensors: ['blk.1.ffn_down.weight'] }, 'missing-tensor.gguf');
    expectLoadError(m.path, /blk\.1\.ffn_down\.weight/, /missing|not found|absent|no tensor/i);
  });

  it('a missing required metadata key', () => {
    const m = tmp.gguf(cfg, 1, { omitMetadata: ['llama.embedding_length'] }, 'missing-key.gguf');
    expectLoadError(m.path, /embedding_length/);
  });

  it('an unsupported architecture', () => {
    const m = tmp.gguf(cfg, 1, { metadata: [['general.architecture', { type: 'string', value: 'mamba' }]] }, 'mamba.gguf');
    expectLoadError(m.path, /mamba/, /architecture|unsupported|not supported/i);
  });

  it('config.json without required keys', () => {
    const m = tmp.safetensors(cfg, 1, { omitConfigKeys: ['hidden_size'] }, 'hf-no-hidden-size');
    expectLoadError(m.path, /config\.json/, /hidden_size/);
  });

  it('a directory without config.json', () => {
    const m = tmp.safetensors(cfg, 1, {}, 'hf-no-config');
    fs.rmSync(path.join(m.path, 'config.json'));
    expectLoadError(m.path, /config\.json/);
  });

  it('a .safetensors header whose data_offsets point past the end of the file', () => {
    const m = tmp.safetensors(cfg, 1, {
      headerPatch: (h) => { (h['model.layers.1.mlp.up_proj.weight'] as any).data_offsets = [10_000_000, 10_032_768]; },
    }, 'hf-offsets-past-end');
    expectLoadError(path.join(m.path), /model\.safetensors/, /model\.layers\.1\.mlp\.up_proj\.weight/,
      /past the end|beyond|exceeds|truncat|out of (range|bounds)|outside/i);
  });

  it('a .safetensors tensor whose byte range does not match its shape and dtype', () => {
    const m = tmp.safetensors(cfg, 1, {
      headerPatch: (h) => { (h['model.layers.0.self_attn.o_proj.weight'] as any).shape = [64, 63]; },
    }, 'hf-size-mismatch');
    expectLoadError(m.path, /model\.layers\.0\.self_attn\.o_proj\.weight/, /size|shape|bytes|expected/i);
  });

  it('a .safetensors tensor of an unsupported dtype (I32, same byte size as F32)', () => {
    const m = tmp.safetensors(cfg, 1, {
      headerPatch: (h) => { (h['model.layers.0.mlp.gate_proj.weight'] as any).dtype = 'I32'; },
    }, 'hf-int32-weight');
    expectLoadError(m.path, /model\.layers\.0\.mlp\.gate_proj\.weight/, /I32/, /dtype|type|unsupported|not supported/i);
  });

  it('a .safetensors file whose header length exceeds the file', () => {
    const m = tmp.safetensors(cfg, 1, {}, 'hf-header-too-long');
    const f = path.join(m.path, 'model.safetensors');
    const b = fs.readFileSync(f);
    b.writeBigUInt64LE(BigInt(b.length * 4), 0);
    fs.writeFileSync(f, b);
    expectLoadError(m.path, /model\.safetensors/, /header|truncat|exceeds|past the end|too (short|large|long)/i);
  });

  it('after all those errors the process still loads and runs a good model', () => {
    const Model = loadModelClass();
    const model = new Model(tmp.gguf(cfg, 2).path, { threads: 1 });
    try {
      const logits = model.eval([1, 2, 3], { logits: 'last' });
      assert.strictEqual(logits.length, cfg.vocabSize);
      assert.ok(logits.every(Number.isFinite));
    } finally {
      model.dispose();
    }
  });
});
