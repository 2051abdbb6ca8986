// llama.cpp through node-llama-cpp 3.21.1's prebuilt CPU binary: the anchor bench:cpu measures against.
'use strict';
const { startClock } = require('./stats');

async function openLlamaCpp(modelPath, { threads, contextSize }) {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({
    contextSize, batchSize: 2048, threads: { ideal: threads, min: threads },
  });
  const sequence = context.getSequence();
  return {
    name: 'llama.cpp',
    model,
    version: llama.llamaCppRelease ? `${llama.llamaCppRelease.release} (${llama.buildType})` : 'unknown',
    systemInfo: llama.systemInfo,
    /** Prefill `tokens` into an empty cache. */
    async prefill(tokens) {
      await sequence.clearHistory();
      await sequence.evaluateWithoutGeneratingNewTokens(tokens);
    },
    /** Prefill `prompt`, then time `n` greedy single-token decode steps; returns wall and CPU seconds of the steps. */
    async decode(prompt, n) {
      await sequence.clearHistory();
      const steps = sequence.evaluate(prompt, { temperature: 0 });
      await steps.next(); // the prompt's prefill and the first sampled token: not timed
      const stop = startClock();
      for (let i = 0; i < n; i++) {
        const r = await steps.next();
        if (r.done) throw new Error(`llama.cpp stopped after ${i} decode steps`);
      }
      const span = stop();
      await steps.return();
      return span;
    },
    async close() { await context.dispose(); await model.dispose(); await llama.dispose(); },
  };
}

module.exports = { openLlamaCpp };
