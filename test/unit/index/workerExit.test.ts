// A process that exits while its index workers are parsing must exit with its own code: Node terminates the
// workers at exit, and a worker terminated inside the native parser aborts the whole process ("terminate called
// after throwing an instance of 'Napi::Error'", exit code 134) unless the pool first waits for it to leave the file
// (workerPool.ts, workerFlags.ts). Real files (the C of the tree-sitter runtime), real workers, a real exit.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeRepo, removeRepo } from './indexTestSupport';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('index: exiting while the workers parse', function () {
  this.timeout(120_000);
  let repo: string;
  before(() => {
    const src = path.join(path.dirname(require.resolve('tree-sitter/package.json')), 'vendor', 'tree-sitter', 'lib', 'src');
    const files: Record<string, Buffer> = {};
    const cFiles = fs.readdirSync(src).filter((f) => f.endsWith('.c'));
    for (let copy = 0; copy < 8; copy++) for (const f of cFiles) files[`copy${copy}/${f}`] = fs.readFileSync(path.join(src, f));
    repo = makeRepo(files);
  });
  after(() => removeRepo(repo));

  it('exits with the code it asked for, never an abort', () => {
    // Exits from inside the progress callback, at several points of the build, while both workers have files in hand.
    const script = `require(${JSON.stringify(path.join(ROOT, 'test', 'register.js'))});
      const { RepoIndex } = require(${JSON.stringify(path.join(ROOT, 'server', 'index', 'repoIndex.ts'))});
      const at = Number(process.argv[1]);
      RepoIndex.start(${JSON.stringify(repo)}, { cacheDir: null, workers: 2, onProgress: (done) => { if (done >= at) process.exit(3); } });`;
    for (const at of [4, 12, 30, 60]) {
      const r = spawnSync(process.execPath, ['-e', script, String(at)], { encoding: 'utf8', timeout: 60_000 });
      assert.strictEqual(r.status, 3, `exit at ${at} files: status ${r.status} signal ${r.signal}\n${r.stderr}`);
      assert.ok(!/terminate called/.test(r.stderr), r.stderr);
    }
  });
});
