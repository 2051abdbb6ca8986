import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { downloadFile, hubEndpoint, hubFileUrl, OfflineError } from '../../../server/models/hubDownload';
import { fetchCatalogModel } from '../../../server/models/fetchCatalogModel';
import { MODEL_CATALOG } from '../../../server/models/modelCatalog';
import { startLocalHub, LocalHub } from '../../support/localHub';

const REPO = 'org/Model-GGUF';
const FILE = 'model-Q4_K_M.gguf';
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('hub downloader (local server with the hub URL layout)', () => {
  const payload = crypto.randomBytes(300_000);
  let hub: LocalHub;
  let dir: string;
  const url = () => hubFileUrl(hub.endpoint, { repo: REPO, revision: 'main', file: FILE });

  beforeEach(async () => {
    hub = await startLocalHub([
      { repo: REPO, revision: 'main', file: FILE, content: payload },
      { repo: REPO, revision: 'main', file: 'lying.gguf', content: payload, publishedSha256: 'a'.repeat(64) },
    ]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-hub-'));
  });
  afterEach(async () => {
    await hub.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds hub URLs from HF_ENDPOINT like huggingface_hub', () => {
    assert.strictEqual(hubEndpoint({}), 'https://huggingface.co');
    assert.strictEqual(hubEndpoint({ HF_ENDPOINT: 'http://mirror.local:8080/' }), 'http://mirror.local:8080');
    assert.strictEqual(hubFileUrl('https://huggingface.co', { repo: 'a/b', revision: 'main', file: 'x y.gguf' }), 'https://huggingface.co/a/b/resolve/main/x%20y.gguf');
  });

  it('follows the redirect, verifies against the hub-published sha256 and moves the file into place', async () => {
    const dest = path.join(dir, FILE);
    const seen: number[] = [];
    const r = await downloadFile({ url: url(), dest, onProgress: (d) => seen.push(d) });
    assert.ok(fs.readFileSync(dest).equals(payload));
    assert.strictEqual(r.sha256, sha(payload));
    assert.strictEqual(r.verifiedAgainst, 'hub');
    assert.ok(!fs.existsSync(dest + '.part'));
    assert.strictEqual(seen[seen.length - 1], payload.length, 'progress reaches the full size');
    assert.deepStrictEqual(hub.log.map((l) => l.path.split('/')[1]), ['org', 'storage'], 'resolve, then the storage redirect');
  });

  it('resumes with a Range request after the connection is cut', async () => {
    hub.cutAfter = { bytes: 100_000, times: 2 };
    const dest = path.join(dir, FILE);
    const lines: string[] = [];
    const r = await downloadFile({ url: url(), dest, sha256: sha(payload), retryDelayMs: 10, log: (l) => lines.push(l) });
    assert.ok(fs.readFileSync(dest).equals(payload), 'the resumed file is byte-identical');
    assert.strictEqual(r.verifiedAgainst, 'catalog');
    const ranges = hub.log.filter((l) => l.path.startsWith('/storage')).map((l) => l.range);
    // Each cut sends at most 100000 bytes; each retry asks for the rest from where the file on disk ends.
    assert.strictEqual(ranges.length, 3);
    assert.strictEqual(ranges[0], undefined);
    const offsets = ranges.slice(1).map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? '')?.[1]));
    assert.ok(offsets[0] > 0 && offsets[0] <= 100_000 && offsets[1] > offsets[0] && offsets[1] <= offsets[0] + 100_000, ranges.join(' '));
    assert.ok(lines.some((l) => new RegExp(`closed early.*; resuming from ${offsets[0]} bytes`).test(l)), lines.join('\n'));
  });

  it('resumes a partial file left by an earlier run', async () => {
    const dest = path.join(dir, FILE);
    fs.writeFileSync(dest + '.part', payload.subarray(0, 123_456));
    const r = await downloadFile({ url: url(), dest });
    assert.strictEqual(r.resumedFrom, 123_456);
    assert.ok(fs.readFileSync(dest).equals(payload));
    assert.strictEqual(hub.log.find((l) => l.path.startsWith('/storage'))?.range, 'bytes=123456-');
  });

  it('starts again when the server ignores ranges', async () => {
    hub.ignoreRanges = true;
    const dest = path.join(dir, FILE);
    fs.writeFileSync(dest + '.part', payload.subarray(0, 5000));
    await downloadFile({ url: url(), dest });
    assert.ok(fs.readFileSync(dest).equals(payload));
  });

  it('a bad checksum deletes the download and says so', async () => {
    const dest = path.join(dir, FILE);
    await assert.rejects(downloadFile({ url: url(), dest, sha256: 'b'.repeat(64) }), /has sha256 [0-9a-f]{64}, expected b{64}; it was deleted/);
    assert.ok(!fs.existsSync(dest) && !fs.existsSync(dest + '.part'));
    const lying = hubFileUrl(hub.endpoint, { repo: REPO, revision: 'main', file: 'lying.gguf' });
    await assert.rejects(downloadFile({ url: lying, dest }), /expected a{64}/, "the hub's published hash is checked too");
  });

  it('a missing file is a 404 with advice', async () => {
    const missing = hubFileUrl(hub.endpoint, { repo: REPO, revision: 'main', file: 'nope.gguf' });
    await assert.rejects(downloadFile({ url: missing, dest: path.join(dir, 'x') }), /was not found \(404\): check the repository, revision and file name/);
  });

  it('offline (nothing listens) gives a clear message at once, no retries', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const started = Date.now();
    const err = await downloadFile({ url: `http://127.0.0.1:${port}/${REPO}/resolve/main/${FILE}`, dest: path.join(dir, FILE) }).then(() => undefined, (e) => e);
    assert.ok(err instanceof OfflineError, String(err));
    assert.match(err.message, /Cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): this machine looks offline.*--model.*HF_ENDPOINT/);
    assert.ok(Date.now() - started < 2000, 'no retry loop when offline');
  });

  it('fetch-model NAME downloads a catalog model from HF_ENDPOINT into the model cache', async () => {
    const entry = MODEL_CATALOG.find((e) => e.source === 'hub' && !e.sha256)!;
    assert.ok(entry && entry.source === 'hub');
    await hub.close();
    hub = await startLocalHub([{ repo: entry.repo, revision: entry.revision, file: entry.fileName, content: payload }]);
    const env = { HF_ENDPOINT: hub.endpoint, XDG_CACHE_HOME: dir };
    const lines: string[] = [];
    const file = await fetchCatalogModel(entry.id, { env, progress: (l) => lines.push(l) });
    assert.strictEqual(file, path.join(dir, 'unisparse', 'models', entry.fileName));
    assert.ok(fs.readFileSync(file).equals(payload));
    assert.match(lines.join('\n'), /100% \(0 MB of 0 MB\)|100%/);
    assert.match(lines[lines.length - 1], /model ready at .*sha256 verified against the hub's published hash/);
    await assert.rejects(fetchCatalogModel('no-such-model', { env }), /no model 'no-such-model' in the catalog.*qwen2\.5-coder-1\.5b/);
  });
});
