// The typed settings reader: valid values pass, invalid ones (hand-edited settings.json) fall back to defaults.
import * as assert from 'assert';
import { readSettings } from '../../../common/settings/readSettings';

const source = (values: Record<string, unknown>) => ({ get: <T>(k: string) => values[k] as T | undefined });

describe('settings reader', function () {
  it('returns the declared defaults for an empty configuration', function () {
    const s = readSettings(source({}));
    assert.deepStrictEqual(
      { device: s.device, attention: s.attention, tau: s.tau, blockSize: s.blockSize, maxNewTokens: s.maxNewTokens, modelPath: s.modelPath },
      { device: 'auto', attention: 'unisparse', tau: 0.995, blockSize: 64, maxNewTokens: 256, modelPath: '' });
    assert.ok(s.exclude.includes('**/node_modules/**'));
  });

  it('passes valid values through', function () {
    const s = readSettings(source({ 'model.path': '/m/q.gguf', device: 'cuda', attention: 'dense', tau: 0.9, blockSize: 128,
      contextBudgetTokens: 16000, maxNewTokens: 64, exclude: ['**/gen/**'], 'overlays.enabled': false }));
    assert.strictEqual(s.modelPath, '/m/q.gguf');
    assert.strictEqual(s.device, 'cuda');
    assert.strictEqual(s.attention, 'dense');
    assert.strictEqual(s.tau, 0.9);
    assert.strictEqual(s.blockSize, 128);
    assert.strictEqual(s.contextBudgetTokens, 16000);
    assert.deepStrictEqual(s.exclude, ['**/gen/**']);
    assert.strictEqual(s.overlaysEnabled, false);
  });

  it('replaces out-of-range, off-enum and mistyped values by the defaults', function () {
    const s = readSettings(source({ device: 'tpu', tau: 3, blockSize: 100, maxNewTokens: 2.5, contextBudgetTokens: '4k', exclude: [1, 2], 'overlays.enabled': 'yes' }));
    assert.strictEqual(s.device, 'auto');
    assert.strictEqual(s.tau, 0.995);
    assert.strictEqual(s.blockSize, 64);
    assert.strictEqual(s.maxNewTokens, 256);
    assert.strictEqual(s.contextBudgetTokens, 0, 'a mistyped budget falls back to 0: picked by device');
    assert.ok(s.exclude.includes('**/.git/**'));
    assert.strictEqual(s.overlaysEnabled, true);
  });
});
