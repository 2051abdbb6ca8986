import * as assert from 'assert';
import { MODEL_CATALOG, fitOf, kvCacheBytes, memoryNeeded, findCatalogEntry } from '../../../server/models/modelCatalog';
import { DEFAULT_MODEL } from '../../../server/models/modelPaths';

const GB = 1e9;

describe('model catalog', () => {
  it('starts with the default model (pip) and lists the Qwen2.5-Coder family from the hub', () => {
    assert.strictEqual(MODEL_CATALOG[0].source, 'pip');
    assert.strictEqual(MODEL_CATALOG[0].fileName, DEFAULT_MODEL.fileName);
    assert.deepStrictEqual(MODEL_CATALOG.filter((e) => e.source === 'hub').map((e) => e.id),
      ['qwen2.5-coder-0.5b', 'qwen2.5-coder-1.5b', 'qwen2.5-coder-3b', 'qwen2.5-coder-7b']);
    for (const e of MODEL_CATALOG) {
      if (e.source !== 'hub') continue;
      assert.ok(e.fileName.endsWith('.gguf') && /Q4_K_M/.test(e.fileName));
      // A pinned checksum goes with a pinned commit: at 'main' the file may change under it.
      if (e.sha256) assert.match(e.revision, /^[0-9a-f]{40}$/, `${e.id} pins a sha256 but not its revision`);
      else assert.strictEqual(e.revision, 'main');
    }
    assert.strictEqual(findCatalogEntry('Qwen2.5-Coder-7B')?.id, 'qwen2.5-coder-7b');
  });

  it('memory needed grows with the model and the KV cache (f32, 8K tokens)', () => {
    const qwen7 = findCatalogEntry('qwen2.5-coder-7b')!;
    assert.strictEqual(kvCacheBytes(qwen7.shape, 8192), 2 * 28 * 4 * 128 * 4 * 8192);
    const needs = MODEL_CATALOG.map((e) => memoryNeeded(e));
    for (let i = 1; i < needs.length; i++) assert.ok(needs[i] > needs[i - 1], `entry ${i} needs more than entry ${i - 1}`);
    assert.ok(needs[needs.length - 1] > 5 * GB && needs[needs.length - 1] < 7 * GB);
  });

  it('says what fits: a 4 GB laptop, a 32 GB desktop, a 24 GB GPU', () => {
    const fits = (ram: number, gpu: number) => MODEL_CATALOG.map((e) => fitOf(e, { ramBytes: ram * GB, gpuBytes: gpu * GB }));
    assert.deepStrictEqual(fits(4, 0), ['cpu', 'cpu', 'cpu', 'tight', 'too-large']);
    assert.deepStrictEqual(fits(32, 0), ['cpu', 'cpu', 'cpu', 'tight', 'tight']);
    assert.deepStrictEqual(fits(32, 24), ['gpu', 'gpu', 'gpu', 'gpu', 'gpu']);
  });
});
