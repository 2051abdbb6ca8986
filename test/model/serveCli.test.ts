// `unisparse serve`: the OpenAI-compatible API over the real model, as an HTTP client (friendly or hostile) sees it.
import * as assert from 'assert';
import { spawnSync, ChildProcess } from 'child_process';
import { startServe } from './serveProcess';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { smolLm2Path } from './modelFile';

const root = path.join(__dirname, '..', '..');
const KEY = 'test-key-0123456789';

/** Raw HTTP, for what fetch will not send (a foreign Host header) or to see exactly what comes back. */
function raw(base: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('unisparse serve (OpenAI-compatible API)', function () {
  this.timeout(300000);
  let child: ChildProcess;
  let base = '';
  const auth = { authorization: `Bearer ${KEY}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const post = (route: string, body: unknown, headers: Record<string, string> = json) =>
    fetch(`${base}${route}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const errorOf = async (r: Response) => ((await r.json()) as { error: { message: string; param: string | null } }).error;

  before(async () => {
    ({ child, base } = await startServe(['--attention', 'dense', '--max-queue', '2'], { UNISPARSE_API_KEY: KEY }));
  });
  after(() => { child?.kill('SIGINT'); });

  it('lists the model', async () => {
    const r = await fetch(`${base}/models`, { headers: auth });
    assert.strictEqual(r.status, 200);
    const body = await r.json() as { data: { id: string }[] };
    assert.strictEqual(body.data[0].id, path.basename(smolLm2Path()));
  });

  it('answers a chat completion', async () => {
    const r = await post('/chat/completions', { messages: [{ role: 'user', content: 'What is the capital city of France? Answer in one sentence.' }], temperature: 0, max_tokens: 20 });
    assert.strictEqual(r.status, 200);
    const body = await r.json() as { choices: { message: { role: string; content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    assert.match(body.choices[0].message.content, /Paris/);
    assert.strictEqual(body.choices[0].message.role, 'assistant');
    assert.strictEqual(body.choices[0].finish_reason, 'stop');
    assert.ok(body.usage.completion_tokens > 0);
  });

  it('streams the same answer as server-sent events', async () => {
    const r = await post('/chat/completions', { messages: [{ role: 'user', content: 'What is the capital city of France? Answer in one sentence.' }], temperature: 0, max_tokens: 20, stream: true });
    assert.strictEqual(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = (await r.text()).split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    assert.strictEqual(events[events.length - 1], '[DONE]');
    const text = events.slice(0, -1).map((e) => (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0].delta.content ?? '').join('');
    assert.match(text, /Paris/);
  });

  it('answers a plain completion', async () => {
    const r = await post('/completions', { prompt: 'def add(a, b):\n    return', temperature: 0, max_tokens: 4 });
    const body = await r.json() as { choices: { text: string; finish_reason: string }[] };
    assert.strictEqual(r.status, 200);
    assert.strictEqual(body.choices[0].finish_reason, 'length');
    assert.ok(body.choices[0].text.length > 0);
  });

  it('returns the selection as the unisparse extension field: block scores, the question\'s own attention, token spans', async () => {
    const question = 'Which function adds two numbers?';
    const content = `Repository context:\n\n// math.py:1-2\ndef add(a, b):\n    return a + b\n\nQuestion: ${question}`;
    type Ext = { unisparse?: { attention: { keyBlockScore: number[]; questionBlockMass?: number[]; baselineBlockMass?: number[]; blockSize: number }; promptText: string; spans: number[] } };
    const ask = async (ext: unknown) => (await (await post('/chat/completions', { messages: [{ role: 'user', content }], temperature: 0, max_tokens: 4, unisparse: ext })).json()) as Ext;
    const plain = await ask(undefined);
    assert.strictEqual(plain.unisparse, undefined);
    const r = await ask({ selection: true, question });
    assert.ok(r.unisparse, JSON.stringify(r).slice(0, 400));   // an engine error would come back instead
    const ext = r.unisparse!;
    assert.ok(ext.promptText.includes(content));
    assert.strictEqual(ext.spans.length % 2, 0);
    assert.ok(ext.attention.keyBlockScore.length >= 1);
    assert.ok(ext.attention.questionBlockMass && ext.attention.questionBlockMass.length >= 1, 'the question rows were measured');
    assert.strictEqual(ext.attention.baselineBlockMass?.length, ext.attention.questionBlockMass.length, 'and a neutral question at the same place');
  });

  it('rejects bad requests with an OpenAI-style error, messages:[null] included', async () => {
    const bad = await post('/chat/completions', '{not json');
    assert.strictEqual(bad.status, 400);
    assert.match((await errorOf(bad)).message, /JSON object/);
    assert.strictEqual((await post('/chat/completions', { messages: [] })).status, 400);
    const nul = await post('/chat/completions', { messages: [null] });
    assert.strictEqual(nul.status, 400);
    assert.deepStrictEqual(await errorOf(nul), { message: 'messages[0] must be an object {role, content}.', type: 'invalid_request_error', param: 'messages', code: null });
    const badTemp = await post('/completions', { prompt: 'x', temperature: 9 });
    assert.strictEqual((await errorOf(badTemp)).param, 'temperature');
    assert.strictEqual((await post('/embeddings', {})).status, 404);
  });

  it('needs the API key: none or a wrong one gets 401', async () => {
    const none = await post('/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, { 'content-type': 'application/json' });
    assert.strictEqual(none.status, 401);
    assert.match((await errorOf(none)).message, /API key/);
    const wrong = await post('/completions', { prompt: 'x' }, { 'content-type': 'application/json', authorization: 'Bearer not-the-key' });
    assert.strictEqual(wrong.status, 401);
    assert.strictEqual((await fetch(`${base}/models`)).status, 401);
  });

  it('refuses cross-site use: a text/plain POST, a foreign Origin, a rebound Host name', async () => {
    const body = JSON.stringify({ prompt: 'hello', max_tokens: 2 });
    const plain = await raw(base, { path: '/v1/completions', headers: { ...auth, 'content-type': 'text/plain' }, body });
    assert.strictEqual(plain.status, 415);
    assert.match(plain.body, /application\/json/);
    const foreignOrigin = await raw(base, { path: '/v1/completions', headers: { ...json, origin: 'https://evil.example' }, body });
    assert.strictEqual(foreignOrigin.status, 403);
    assert.match(foreignOrigin.body, /evil\.example/);
    const rebound = await raw(base, { path: '/v1/completions', headers: { ...json, host: `evil.example:${new URL(base).port}` }, body });
    assert.strictEqual(rebound.status, 403);
    const rebindRead = await raw(base, { method: 'GET', path: '/v1/models', headers: { ...auth, host: 'attacker.example' } });
    assert.strictEqual(rebindRead.status, 403);
    const local = await raw(base, { method: 'GET', path: '/v1/models', headers: { ...auth, host: `localhost:${new URL(base).port}`, origin: 'http://localhost:3000' } });
    assert.strictEqual(local.status, 200);
    assert.strictEqual(local.headers['access-control-allow-origin'], 'http://localhost:3000');
  });

  it('checks the prompt length before the engine: a 400 with a sentence, and other clients are answered meanwhile', async () => {
    const huge = await post('/completions', { prompt: 'word '.repeat(800_000) });   // 4 MB
    assert.strictEqual(huge.status, 400);
    assert.match((await errorOf(huge)).message, /context holds 8192 tokens/);
    // Long enough to need real tokenizing (it passes the length-in-characters bound), too many tokens to fit.
    const code = Array.from({ length: 6000 }, (_, i) => `const v${i} = f(${i});`).join('\n');
    const order: string[] = [];
    const long = post('/completions', { prompt: code }).then(async (r) => { order.push('long'); return r; });
    await new Promise((r) => setTimeout(r, 50));
    const health = await fetch(`${base.replace(/\/v1$/, '')}/health`);
    order.push('health');
    assert.strictEqual(health.status, 200);
    const r = await long;
    assert.strictEqual(r.status, 400);
    assert.match((await errorOf(r)).message, /The prompt is \d+ tokens long, but the model's context holds 8192 tokens/);
    assert.deepStrictEqual(order, ['health', 'long']);
  });

  it('delivers the 413 for an oversized body (20 MB), with or without a declared length', async () => {
    const body = Buffer.alloc(20 << 20, 0x20);
    const declared = await raw(base, { path: '/v1/completions', headers: { ...json, 'content-length': String(body.length) }, body });
    assert.strictEqual(declared.status, 413);
    assert.match(declared.body, /larger than 8388608 bytes/);
    const chunked = await raw(base, { path: '/v1/completions', headers: { ...json, 'transfer-encoding': 'chunked' }, body });
    assert.strictEqual(chunked.status, 413);
  });

  it('queues a bounded number of requests and answers 429 beyond that', async () => {
    const prompt = { prompt: 'Once upon a time', max_tokens: 24, temperature: 0 };
    const all = await Promise.all(Array.from({ length: 6 }, () => post('/completions', prompt)));
    const statuses = all.map((r) => r.status).sort();
    assert.ok(statuses.filter((s) => s === 200).length >= 3, statuses.join(','));   // one running + two queued
    assert.ok(statuses.includes(429), statuses.join(','));
    const refused = all.find((r) => r.status === 429)!;
    assert.strictEqual(refused.headers.get('retry-after'), '5');
    assert.match((await errorOf(refused)).message, /busy/);
    await Promise.all(all.filter((r) => r !== refused).map((r) => r.text()));
  });

  it('reports /health and Prometheus /metrics (requests, tokens, queue depth, TTFT and decode histograms)', async () => {
    const origin = base.replace(/\/v1$/, '');
    const health = await (await fetch(`${origin}/health`)).json() as { status: string; queued: number };
    assert.strictEqual(health.status, 'ok');
    assert.strictEqual((await fetch(`${origin}/metrics`)).status, 401);
    const r = await fetch(`${origin}/metrics`, { headers: auth });
    assert.match(r.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1]);
    assert.ok(value(/^unisparse_requests_total\{route="chat",status="200"\} (\d+)$/m) >= 2, text);
    assert.ok(value(/^unisparse_requests_total\{route="completions",status="400"\} (\d+)$/m) >= 2, text);
    assert.ok(value(/^unisparse_completion_tokens_total (\d+)$/m) > 0);
    assert.ok(value(/^unisparse_prompt_tokens_total (\d+)$/m) > 0);
    assert.strictEqual(value(/^unisparse_queue_depth (\d+)$/m), 0);
    assert.ok(value(/^unisparse_time_to_first_token_seconds_count (\d+)$/m) >= 3);
    assert.ok(value(/^unisparse_decode_seconds_per_token_bucket\{le="\+Inf"\} (\d+)$/m) >= 3);
  });

  it('ends a stream whose engine dies with an error event and [DONE], then serves the next request', async () => {
    const r = await post('/completions', { prompt: 'List the numbers from one to five hundred:', max_tokens: 2000, temperature: 0, stream: true });
    assert.strictEqual(r.status, 200);
    const reader = r.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    let killed = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
      if (!killed && text.includes('"text"')) {
        killed = true;
        const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
        assert.strictEqual(children.length, 1, 'one engine process');
        process.kill(children[0], 'SIGKILL');
      }
    }
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    assert.strictEqual(events[events.length - 1], '[DONE]');
    const error = JSON.parse(events[events.length - 2]) as { error: { message: string; type: string } };
    assert.match(error.error.message, /engine process was killed by SIGKILL/);
    assert.strictEqual(error.error.type, 'server_error');
    const again = await post('/completions', { prompt: 'def add(a, b):\n    return', temperature: 0, max_tokens: 4 });
    assert.strictEqual(again.status, 200);
  });
});

describe('unisparse serve: start-up rules', function () {
  this.timeout(120000);
  it('Ctrl-C stops it with exit code 130, its engine process gone too', async () => {
    const { child } = await startServe([]);
    const engines = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    assert.strictEqual(engines.length, 1);
    const code = await new Promise<number | null>((resolve) => { child.on('exit', resolve); child.kill('SIGINT'); });
    assert.strictEqual(code, 130);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!fs.existsSync(`/proc/${engines[0]}`) || /\) Z /.test(fs.readFileSync(`/proc/${engines[0]}/stat`, 'utf8')), 'the engine process outlived serve');
  });

  it('refuses to share the model on the network without an API key (usage error, exit 2)', () => {
    const r = spawnSync(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'),
      'serve', '--host', '0.0.0.0', '--port', '0'], { cwd: root, encoding: 'utf8', env: { ...process.env, UNISPARSE_API_KEY: '' } });
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /--host 0\.0\.0\.0 shares the model on the network: set an API key with --api-key or the UNISPARSE_API_KEY/);
    assert.strictEqual(r.stderr.split('\n').filter((l) => l.startsWith('unisparse:')).length, 1);
  });
});
