// The remote path against an OpenAI-compatible server that is not ours (vLLM, SGLang and llama.cpp's server send
// no attention data): a stand-in HTTP server speaking the same wire format. The answer streams and is cited;
// there are no overlays, and the stats say so. (The path against a real `unisparse serve` is in test/model.)
import * as assert from 'assert';
import * as http from 'http';
import * as path from 'path';
import { runAsk } from '../../../server/ask/askPipeline';

const repo = path.join(__dirname, '..', '..', 'fixtures', 'repos', 'shop');

function standIn(reply: (body: Record<string, unknown>) => string[]): Promise<{ server: http.Server; url: string; seen: Record<string, unknown>[] }> {
  const seen: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'other-model', object: 'model' }] }));
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      seen.push({ ...body, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of reply(body)) res.write(`data: ${event}\n\n`);
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${port}/v1`, seen });
  }));
}

const delta = (text: string) => JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });

describe('ask with a remote OpenAI-compatible endpoint that is not unisparse serve', function () {
  this.timeout(120000);

  it('streams the answer, cites the context, and reports that there are no overlays', async () => {
    const { server, url, seen } = await standIn(() => [delta('Discounts are applied in '), delta('src/discounts.ts:1.'),
      JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 900, completion_tokens: 9 } }), '[DONE]']);
    try {
      const streamed: string[] = [];
      const r = await runAsk({ repo, question: 'How are discounts applied?', remote: { url, apiKey: 'k-123456789' }, cacheDir: null,
        onDelta: (d) => { if (d.text) streamed.push(d.text); } });
      assert.strictEqual(r.answer, 'Discounts are applied in src/discounts.ts:1.');
      assert.deepStrictEqual(streamed, ['Discounts are applied in ', 'src/discounts.ts:1.']);
      assert.deepStrictEqual(r.citations.map((c) => c.file), ['src/discounts.ts']);
      assert.deepStrictEqual(r.selection.blocks, []);
      assert.deepStrictEqual(r.stats.remote, { url, overlays: false });
      assert.strictEqual(r.stats.contextTokens, 900);
      assert.strictEqual(r.stats.model, 'other-model');
      const sent = seen[0] as { model: string; messages: { role: string; content: string }[]; stream: boolean; authorization: string };
      assert.strictEqual(sent.model, 'other-model');
      assert.strictEqual(sent.stream, true);
      assert.strictEqual(sent.authorization, 'Bearer k-123456789');
      assert.match(sent.messages[1].content, /\/\/ src\/discounts\.ts:\d+-\d+/);
    } finally { server.close(); }
  });

  it('an error event inside the stream fails the answer with the server\'s message', async () => {
    const { server, url } = await standIn(() => [delta('Partial'), JSON.stringify({ error: { message: 'CUDA out of memory', type: 'server_error' } }), '[DONE]']);
    try {
      await assert.rejects(runAsk({ repo, question: 'Where is the total?', remote: { url }, cacheDir: null }), /the answer failed on the server: CUDA out of memory/);
    } finally { server.close(); }
  });

  it('an endpoint that cannot be reached says so', async () => {
    const { server, url } = await standIn(() => []);
    await new Promise((r) => server.close(r));   // the port is free again: nothing listens there
    await assert.rejects(runAsk({ repo, question: 'q', remote: { url }, cacheDir: null }), /127\.0\.0\.1:\d+\/v1: cannot reach the endpoint \(ECONNREFUSED\)/);
  });
});
