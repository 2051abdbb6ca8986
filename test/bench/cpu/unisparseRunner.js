// Our native runtime behind the same three calls as the llama.cpp runner.
'use strict';
const { startClock } = require('./stats');
const path = require('path');

function argmax(row) {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

function openUniSparse(modelPath, { threads, contextSize }) {
  const addon = require(path.join(__dirname, '..', '..', '..', 'native'));
  if (typeof addon.Model !== 'function') {
    throw new Error('the native addon has no Model class yet: build the model runtime with `npm run build:native`');
  }
  const model = new addon.Model(modelPath, { threads, maxContext: contextSize, attention: 'dense' });
  return {
    name: 'unisparse (ours)',
    info: model.info,
    async prefill(tokens) {
      model.reset();
      model.eval(Int32Array.from(tokens), { logits: 'last' });
    },
    async decode(prompt, n) {
      model.reset();
      let next = argmax(model.eval(Int32Array.from(prompt), { logits: 'last' }));
      const stop = startClock();
      for (let i = 0; i < n; i++) next = argmax(model.eval([next], { logits: 'last' }));
      return stop();
    },
    /** Logits rows after each of `positions` for one fresh prefill of `tokens`. */
    logitsAt(tokens, positions) {
      model.reset();
      const rows = model.eval(Int32Array.from(tokens), { logits: positions });
      model.reset();
      return rows;
    },
    /** Switches attention for the following runs ('dense', or 'unisparse' with tau). */
    setAttention(mode, tau) { model.setAttention(mode === 'dense' ? { mode } : { mode, tau, blockSize: 64 }); },
    async close() { model.dispose(); },
  };
}

module.exports = { openUniSparse };
