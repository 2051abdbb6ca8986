// llama.cpp (through node-llama-cpp, CPU build) as an outside oracle for the test writers: if llama.cpp
// reads our GGUF files and predicts what our float64 reference predicts, the writer's layout (names,
// q/k permutation, quant blocks) and the reference's math are both right, independently of our runtime.
import * as path from 'path';

// node-llama-cpp is ESM-only; a real dynamic import survives the CJS transpile of the test files.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

let llamaPromise: Promise<any> | undefined;
export async function getCpuLlama(): Promise<any> {
  if (!llamaPromise) {
    llamaPromise = importEsm('node-llama-cpp').then((m) =>
      m.getLlama({ gpu: false, build: 'never', logLevel: m.LlamaLogLevel.error, progressLogs: false }));
  }
  return llamaPromise;
}

/** node-llama-cpp's own GGUF parser (independent of ours), for checking what the writer produced. */
export async function readGgufWithNodeLlamaCpp(file: string): Promise<any> {
  const m = await importEsm('node-llama-cpp');
  return m.readGgufFileInfo(path.resolve(file), { readTensorInfo: true, ignoreKeys: [] });
}

/**
 * Next-token probabilities (softmax of logits at temperature 1, no truncation) after each prefix of
 * `tokens`, as llama.cpp computes them: [tokens.length][vocab].
 */
export async function llamaCppNextTokenProbabilities(file: string, tokens: number[], vocabSize: number): Promise<Float64Array[]> {
  const llama = await getCpuLlama();
  const model = await llama.loadModel({ modelPath: path.resolve(file), gpuLayers: 0 });
  try {
    const context = await model.createContext({ contextSize: Math.max(64, tokens.length + 8), threads: 1, batchSize: 64 });
    try {
      const sequence = context.getSequence();
      const input = tokens.map((t) => [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: vocabSize, topP: 1, minP: 0 } } }]);
      const out = await sequence.controlledEvaluate(input);
      return tokens.map((_, i) => {
        const probs = new Float64Array(vocabSize);
        const map: Map<number, number> | undefined = out[i]?.next?.probabilities;
        if (!map) throw new Error(`llama.cpp returned no probabilities for position ${i}`);
        for (const [tok, p] of map) probs[tok] = p;
        return probs;
      });
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** Softmax of each logits row, for comparing a reference with llama.cpp's probabilities. */
export function softmaxRows(logits: ArrayLike<number>, vocabSize: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let r = 0; r < logits.length / vocabSize; r++) {
    const row = Float64Array.from({ length: vocabSize }, (_, i) => logits[r * vocabSize + i]);
    const max = Math.max(...row);
    let sum = 0;
    for (let i = 0; i < vocabSize; i++) { row[i] = Math.exp(row[i] - max); sum += row[i]; }
    rows.push(row.map((v) => v / sum));
  }
  return rows;
}
