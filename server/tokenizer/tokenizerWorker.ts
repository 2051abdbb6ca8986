// The worker side of TokenizerThread: loads the model's tokenizer once and encodes texts on request, so that a
// huge prompt never holds the HTTP server's event loop (other clients keep being answered meanwhile).
import { parentPort, workerData } from 'worker_threads';
import { loadTokenizer } from './tokenizer';

export interface EncodeJob { id: number; text: string; addSpecial: boolean; withOffsets: boolean }
export type EncodeReply = { id: number; ids: Int32Array; spans?: Int32Array } | { id: number; error: string };

const ready = loadTokenizer((workerData as { modelPath: string }).modelPath);

parentPort!.on('message', async (job: EncodeJob) => {
  try {
    const tok = await ready;
    if (job.withOffsets) {
      const { ids, spans } = tok.encodeWithOffsets(job.text);
      const out = Int32Array.from(ids);
      parentPort!.postMessage({ id: job.id, ids: out, spans } satisfies EncodeReply, [out.buffer, spans.buffer as ArrayBuffer]);
    } else {
      const out = Int32Array.from(tok.encode(job.text, { addSpecial: job.addSpecial }));
      parentPort!.postMessage({ id: job.id, ids: out } satisfies EncodeReply, [out.buffer]);
    }
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message } satisfies EncodeReply);
  }
});
