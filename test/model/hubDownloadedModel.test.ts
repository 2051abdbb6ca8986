// The catalog downloader on a real model file: SmolLM2 served by a local stand-in for the hub, cut once mid-way,
// resumed, verified against its known sha256, and then loaded and run by the engine.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { downloadFile, hubFileUrl } from '../../server/models/hubDownload';
import { DEFAULT_MODEL } from '../../server/models/modelPaths';
import { startLocalHub } from '../support/localHub';
import { runCli } from './cliRunner';
import { smolLm2Path } from './modelFile';

describe('hub download of the real SmolLM2 file', function () {
  this.timeout(300000);

  it('resumes after a cut, verifies the sha256 and the downloaded model answers', async () => {
    const source = smolLm2Path();
    const file = { repo: 'HuggingFaceTB/SmolLM2-135M-Instruct-GGUF', revision: 'main', file: DEFAULT_MODEL.fileName };
    const hub = await startLocalHub([{ ...file, content: { path: source } }]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-hubmodel-'));
    try {
      hub.cutAfter = { bytes: 40_000_000, times: 1 };
      const dest = path.join(dir, DEFAULT_MODEL.fileName);
      const r = await downloadFile({ url: hubFileUrl(hub.endpoint, file), dest, sha256: DEFAULT_MODEL.sha256, retryDelayMs: 10 });
      assert.strictEqual(r.sha256, DEFAULT_MODEL.sha256);
      assert.strictEqual(r.bytes, fs.statSync(source).size);
      const ranges = hub.log.filter((l) => l.path.startsWith('/storage')).map((l) => l.range);
      assert.strictEqual(ranges.length, 2);
      assert.strictEqual(ranges[0], undefined);
      const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
      assert.ok(resumedAt > 0 && resumedAt <= 40_000_000, `the second request resumes where the cut left off (${ranges[1]})`);
      const run = await runCli(['generate', '--model', dest, '--chat', '--max-tokens', '20', '--prompt', 'What is the capital city of France? Answer in one sentence.']);
      assert.strictEqual(run.code, 0, run.stderr);
      assert.match(run.stdout, /Paris/);
    } finally {
      await hub.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
