// The attention options' one set of defaults and their one validation.
import * as assert from 'assert';
import {
  attentionOptions, AUTO_CONTEXT_BUDGET, DEFAULT_ATTENTION, DEFAULT_CONTEXT_BUDGET_TOKENS, DEFAULT_DEVICE, DEFAULT_GPU_CONTEXT_BUDGET_TOKENS,
  defaultContextBudget, isDeviceSetting,
} from '../../../common/attentionOptions';
import { readSettings } from '../../../common/settings/readSettings';

describe('attention options', function () {
  it('fills every missing option with its default', function () {
    assert.deepStrictEqual(attentionOptions(), { mode: 'unisparse', tau: 0.995, blockSize: 64 });
    assert.deepStrictEqual(attentionOptions({ mode: 'dense' }), { mode: 'dense', tau: 0.995, blockSize: 64 });
    assert.deepStrictEqual(attentionOptions({ tau: 0.9, blockSize: 128 }), { mode: 'unisparse', tau: 0.9, blockSize: 128 });
  });

  it('rejects a bad mode, tau or block size with a sentence naming the allowed values', function () {
    assert.throws(() => attentionOptions({ mode: 'sparse' as never }), /mode 'sparse' is not known; use unisparse or dense/);
    assert.throws(() => attentionOptions({ tau: 0 }), /tau is 0; use a number from 0.5 to 1 \(default 0.995\)/);
    assert.throws(() => attentionOptions({ tau: 1.5 }), /tau is 1.5/);
    assert.throws(() => attentionOptions({ tau: Number.NaN }), /tau is NaN/);
    assert.throws(() => attentionOptions({ blockSize: 100 }), /block size 100 is not supported; use 64 or 128 \(default 64\)/);
  });

  it('gives the settings reader the same defaults', function () {
    const s = readSettings({ get: () => undefined });
    assert.deepStrictEqual({ mode: s.attention, tau: s.tau, blockSize: s.blockSize }, DEFAULT_ATTENTION);
    assert.strictEqual(s.device, DEFAULT_DEVICE);
    assert.strictEqual(s.contextBudgetTokens, AUTO_CONTEXT_BUDGET, 'the editor picks the budget by device unless set');
  });

  it('picks the context budget by device when none is set', function () {
    assert.strictEqual(defaultContextBudget('cpu'), DEFAULT_CONTEXT_BUDGET_TOKENS);
    assert.strictEqual(defaultContextBudget('cuda'), DEFAULT_GPU_CONTEXT_BUDGET_TOKENS);
    assert.ok(DEFAULT_GPU_CONTEXT_BUDGET_TOKENS > DEFAULT_CONTEXT_BUDGET_TOKENS);
  });

  it('knows the device settings', function () {
    for (const d of ['auto', 'cpu', 'cuda']) assert.ok(isDeviceSetting(d), d);
    for (const d of ['gpu', '', undefined, 1]) assert.ok(!isDeviceSetting(d), String(d));
  });
});
