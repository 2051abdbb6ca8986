// `unisparse serve`: the OpenAI-compatible API over the real model, as an HTTP client sees it.
import * as assert from 'assert';
import { spawn, ChildProcess } from 'child_process';
import * as path from 'path';
import { smolLm2Path } from './modelFile';

const root = path.join(__dirname, '..', '..');

describe('unisparse serve (OpenAI-compatible API)', function () {
  this.timeout(300000);
  let child: ChildProcess;
  let base = '';

  before(async () => {
    child = spawn(process.execPath, ['-r', path.join(root, 'test', 'register.js'), path.join(root, 'server', 'cli', 'main.ts'),
      'serve', '--model', smolLm2Path(), '--port', '0', '--attention', 'dense'], { cwd: root });
    base = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => {
        err += d;
        const m = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
  });
  after(() => { child?.kill('SIGINT'); });

  it('lists the model', async () => {
    const r = await fetch(`${base}/models`);
    assert.strictEqual(r.status, 200);
    const body = await r.json() as { data: { id: string }[] };
    assert.strictEqual(body.data[0].id, path.basename(smolLm2Path()));
  });

  it('answers a chat completion', async () => {
    const r = await fetch(`${base}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'What is the capital city of France? Answer in one sentence.' }], temperature: 0, max_tokens: 20 }),
    });
    assert.strictEqual(r.status, 200);
    const body = await r.json() as { choices: { message: { role: string; content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    assert.match(body.choices[0].message.content, /Paris/);
    assert.strictEqual(body.choices[0].message.role, 'assistant');
    assert.strictEqual(body.choices[0].finish_reason, 'stop');
    assert.ok(body.usage.completion_tokens > 0);
  });

  it('streams the same answer as server-sent events', async () => {
    const r = await fetch(`${base}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'What is the capital city of France? Answer in one sentence.' }], temperature: 0, max_tokens: 20, stream: true }),
    });
    assert.strictEqual(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = (await r.text()).split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    assert.strictEqual(events[events.length - 1], '[DONE]');
    const text = events.slice(0, -1).map((e) => (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0].delta.content ?? '').join('');
    assert.match(text, /Paris/);
  });

  it('answers a plain completion', async () => {
    const r = await fetch(`${base}/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'def add(a, b):\n    return', temperature: 0, max_tokens: 4 }),
    });
    const body = await r.json() as { choices: { text: string; finish_reason: string }[] };
    assert.strictEqual(r.status, 200);
    assert.strictEqual(body.choices[0].finish_reason, 'length');
    assert.ok(body.choices[0].text.length > 0);
  });

  it('rejects bad requests with an OpenAI-style error', async () => {
    const bad = await fetch(`${base}/chat/completions`, { method: 'POST', body: '{not json' });
    assert.strictEqual(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /JSON object/);
    const noMessages = await fetch(`${base}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [] }) });
    assert.strictEqual(noMessages.status, 400);
    const badTemp = await fetch(`${base}/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'x', temperature: 9 }) });
    assert.strictEqual(((await badTemp.json()) as { error: { param: string } }).error.param, 'temperature');
    const missing = await fetch(`${base}/embeddings`, { method: 'POST', body: '{}' });
    assert.strictEqual(missing.status, 404);
  });
});
