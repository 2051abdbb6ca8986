// Incremental updates (change, create, delete, rename, folder delete, .gitignore change) and the on-disk cache
// (reused across restarts, rebuilt when an entry is corrupt).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CACHE_FORMAT_VERSION } from '../../../server/index/contentCache';
import { RepoIndex } from '../../../server/index/repoIndex';
import { describeDefs, makeRepo, removeRepo, writeFile } from './indexTestSupport';

const STORE = `export class Store {\n  get(key: string) { return lookup(key); }\n}\n`;
const LOOKUP = `export function lookup(key: string) {\n  return key.length;\n}\n`;

describe('index: incremental updates', () => {
  let root: string;
  let index: RepoIndex;
  beforeEach(async () => {
    root = makeRepo({ 'src/store.ts': STORE, 'src/lookup.ts': LOOKUP, 'docs/notes.md': 'lookup notes\n' });
    index = await RepoIndex.build(root, { cacheDir: null });
  });
  afterEach(() => { index.dispose(); removeRepo(root); });

  const search = (term: string) => [...index.lexical.search([term]).keys()].map((id) => index.lexical.chunk(id)!.file).sort();

  it('a changed file replaces its definitions, references and lexical chunks', async () => {
    writeFile(root, 'src/lookup.ts', `// moved down\n\nexport function findKey(key: string) {\n  return key;\n}\n`);
    await index.update([path.join(root, 'src/lookup.ts')], []);
    assert.deepStrictEqual(describeDefs(index.definitionsIn('src/lookup.ts')), ['function findKey 3-5']);
    assert.deepStrictEqual(index.graph.definingFiles('lookup'), []);
    assert.deepStrictEqual(index.graph.definingFiles('findKey'), ['src/lookup.ts']);
    assert.deepStrictEqual(search('findkey'), ['src/lookup.ts']);
    assert.ok(!search('lookup').includes('src/lookup.ts'));
  });

  it('creates, deletes and renames files; deleting a folder drops everything under it', async () => {
    writeFile(root, 'src/extra.py', 'def extra():\n    return 1\n');
    await index.update([path.join(root, 'src/extra.py')], []);
    assert.deepStrictEqual(describeDefs(index.definitionsIn('src/extra.py')), ['function extra 1-2']);

    fs.renameSync(path.join(root, 'src/store.ts'), path.join(root, 'src/storage.ts'));
    await index.update([path.join(root, 'src/storage.ts')], [path.join(root, 'src/store.ts')]);
    assert.deepStrictEqual(index.definitionsIn('src/store.ts'), []);
    assert.deepStrictEqual(describeDefs(index.definitionsIn('src/storage.ts')), ['class Store 1-3', 'method get 2-2 in Store']);

    fs.rmSync(path.join(root, 'src'), { recursive: true });
    await index.update([], [path.join(root, 'src')]);
    assert.deepStrictEqual(index.fileList(), ['docs/notes.md']);
    assert.deepStrictEqual(search('lookup'), ['docs/notes.md']);
  });

  it('a created folder is walked; a file reported changed but gone is dropped; unchanged bytes are a no-op', async () => {
    writeFile(root, 'pkg/a.go', 'package pkg\n\nfunc A() {}\n');
    writeFile(root, 'pkg/sub/b.go', 'package sub\n\nfunc B() {}\n');
    await index.update([path.join(root, 'pkg')], []);
    assert.deepStrictEqual(index.fileList(), ['docs/notes.md', 'pkg/a.go', 'pkg/sub/b.go', 'src/lookup.ts', 'src/store.ts']);

    fs.unlinkSync(path.join(root, 'pkg/a.go'));
    await index.update([path.join(root, 'pkg/a.go')], []);
    assert.ok(!index.fileList().includes('pkg/a.go'));

    const before = index.version;
    await index.update([path.join(root, 'src/store.ts')], []);
    assert.strictEqual(index.version, before);
  });

  it('a changed or deleted .gitignore drops the files it now excludes and brings back the ones it releases', async () => {
    writeFile(root, '.gitignore', 'docs/\n');
    await index.update([path.join(root, '.gitignore')], []);
    assert.deepStrictEqual(index.fileList(), ['.gitignore', 'src/lookup.ts', 'src/store.ts']);
    fs.unlinkSync(path.join(root, '.gitignore'));
    await index.update([], [path.join(root, '.gitignore')]);
    assert.deepStrictEqual(index.fileList(), ['docs/notes.md', 'src/lookup.ts', 'src/store.ts']);
  });

  it('re-indexes one file in well under a second', async () => {
    const started = performance.now();
    writeFile(root, 'src/lookup.ts', LOOKUP + 'export const again = 1;\n');
    await index.update([path.join(root, 'src/lookup.ts')], []);
    // The target is 50 ms (bench:index measures it); this loose bound only catches a rebuild-the-world regression.
    assert.ok(performance.now() - started < 1000);
  });

  it('an edit that keeps the defined names patches the cached file graph to what a rebuild computes', async () => {
    const edges = (ix: RepoIndex, file: string) => {
      const g = ix.graph.fileGraph();
      const i = g.files.indexOf(file);
      return [...g.targets[i]].map((j, k) => `${g.files[j]}:${g.weights[i][k].toFixed(3)}`).sort();
    };
    assert.deepStrictEqual(edges(index, 'src/lookup.ts'), []);
    const cached = index.graph.fileGraph();
    writeFile(root, 'src/lookup.ts', `import { Store } from './store';\nexport function lookup(key: string) {\n  return new Store().get(key);\n}\n`);
    await index.update([path.join(root, 'src/lookup.ts')], []);
    assert.strictEqual(index.graph.fileGraph(), cached, 'the graph was patched, not rebuilt');
    const fresh = await RepoIndex.build(root, { cacheDir: null });
    try {
      assert.deepStrictEqual(edges(index, 'src/lookup.ts'), edges(fresh, 'src/lookup.ts'));
      assert.deepStrictEqual(edges(index, 'src/lookup.ts').map((e) => e.split(':')[0]), ['src/store.ts']);
    } finally { fresh.dispose(); }
  });

  it('concurrent updates are applied in order', async () => {
    writeFile(root, 'src/lookup.ts', 'export function first() {}\n');
    const a = index.update([path.join(root, 'src/lookup.ts')], []);
    const b = index.update([], [path.join(root, 'src/store.ts')]);
    await Promise.all([a, b]);
    assert.deepStrictEqual(index.fileList(), ['docs/notes.md', 'src/lookup.ts']);
    assert.deepStrictEqual(describeDefs(index.definitionsIn('src/lookup.ts')), ['function first 1-1']);
  });
});

describe('index: on-disk cache', () => {
  let root: string;
  let cacheDir: string;
  beforeEach(() => {
    root = makeRepo({ 'a.ts': STORE, 'b.ts': LOOKUP, 'c.py': 'class C:\n    def run(self):\n        pass\n', 'same.ts': STORE });
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-cache-'));
  });
  afterEach(() => { removeRepo(root); removeRepo(cacheDir); });

  const vdir = () => path.join(cacheDir, `v${CACHE_FORMAT_VERSION}`);
  /** Every key line of every pack: { key: '<sha1>.<language>', pack, offset, length }. */
  const cacheEntries = () => fs.readdirSync(vdir()).filter((f) => f.endsWith('.keys')).sort().flatMap((k) =>
    fs.readFileSync(path.join(vdir(), k), 'utf8').split('\n').filter(Boolean).map((line) => {
      const [key, offset, length] = line.split(' ');
      return { key, pack: path.join(vdir(), k.replace(/\.keys$/, '.pack')), offset: Number(offset), length: Number(length) };
    }));
  const entryText = (e: { pack: string; offset: number; length: number }) => fs.readFileSync(e.pack).subarray(e.offset, e.offset + e.length).toString('utf8');

  it('a restart reuses the parses (same results), keyed by content so identical files share one entry', async () => {
    const first = await RepoIndex.build(root, { cacheDir, workers: 1 });
    const firstDefs = first.fileList().map((f) => describeDefs(first.definitionsIn(f)));
    first.dispose();
    assert.deepStrictEqual(cacheEntries().map((e) => e.key.split('.')[1]).sort(), ['python', 'typescript', 'typescript']);   // a.ts = same.ts
    assert.deepStrictEqual(fs.readdirSync(vdir()).map((f) => path.extname(f)).sort(), ['.keys', '.pack'], 'one pack for one worker');
    for (const e of cacheEntries()) assert.strictEqual(JSON.parse(entryText(e)).hash, e.key.split('.')[0]);

    const second = await RepoIndex.build(root, { cacheDir });
    try {
      assert.deepStrictEqual(second.cacheStats(), { hits: 4, misses: 0 });
      assert.deepStrictEqual(second.fileList().map((f) => describeDefs(second.definitionsIn(f))), firstDefs);
      assert.strictEqual(second.definitionsIn('same.ts')[0].file, 'same.ts');
    } finally { second.dispose(); }
  });

  it('a changed file misses the cache; a corrupt or foreign entry is ignored and superseded', async () => {
    (await RepoIndex.build(root, { cacheDir, workers: 1 })).dispose();
    const entries = cacheEntries();
    const overwrite = (e: typeof entries[number], text: string) => {
      assert.strictEqual(Buffer.byteLength(text), e.length);
      const fd = fs.openSync(e.pack, 'r+'); fs.writeSync(fd, text, e.offset); fs.closeSync(fd);
    };
    const pyEntry = entries.find((e) => e.key.endsWith('.python'))!;
    overwrite(pyEntry, '{"version": 5, "hash": "tor'.padEnd(pyEntry.length - 1, ' ') + '\n');   // torn write
    const tsEntry = entries.find((e) => e.key.endsWith('.typescript') && JSON.parse(entryText(e)).content.defs[0][0] === 'lookup')!;
    const hash = tsEntry.key.split('.')[0];
    overwrite(tsEntry, entryText(tsEntry).replace(hash, '0'.repeat(40)));   // an entry that claims other bytes
    writeFile(root, 'a.ts', STORE + '// edited\n');

    const index = await RepoIndex.build(root, { cacheDir });
    try {
      assert.deepStrictEqual(index.cacheStats(), { hits: 1, misses: 3 });   // only same.ts still matches its entry
      assert.deepStrictEqual(describeDefs(index.definitionsIn('c.py')), ['class C 1-3', 'method run 2-3 in C']);
      assert.deepStrictEqual(describeDefs(index.definitionsIn('b.ts')), ['function lookup 1-3']);
    } finally { index.dispose(); }
    const third = await RepoIndex.build(root, { cacheDir });
    try {
      assert.deepStrictEqual(third.cacheStats(), { hits: 4, misses: 0 }, 'the new entries win over the broken ones');
    } finally { third.dispose(); }
  });

  it('after a build, the packs of earlier runs are compacted to the entries current files use; old versions go', async () => {
    const first = await RepoIndex.build(root, { cacheDir });
    first.dispose();
    assert.strictEqual(await first.cachePruned(), 0);   // nothing stale yet (and this run's packs are too new to touch)
    fs.mkdirSync(path.join(cacheDir, 'v0', 'ab'), { recursive: true });
    fs.writeFileSync(path.join(cacheDir, 'v0', 'ab', 'old.json'), '{}');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    for (const f of fs.readdirSync(vdir())) fs.utimesSync(path.join(vdir(), f), anHourAgo, anHourAgo);
    const before = cacheEntries();
    const aKey = before.find((e) => e.key.endsWith('.typescript') && JSON.parse(entryText(e)).content.defs[0][0] === 'Store')!.key;
    writeFile(root, 'b.ts', LOOKUP + 'export const more = 1;\n');
    fs.unlinkSync(path.join(root, 'c.py'));

    const index = await RepoIndex.build(root, { cacheDir });
    try {
      // old b.ts, c.py, any second copy of a.ts (= same.ts, when both workers parsed it), the v0 folder
      assert.strictEqual(await index.cachePruned(), before.length - 1 + 1);
      const after = cacheEntries();
      assert.strictEqual(after.filter((e) => e.key === aKey).length, 1, 'a.ts kept once');
      assert.strictEqual(after.filter((e) => !before.some((b) => b.key === e.key)).length, 1, 'the new b.ts');
      assert.strictEqual(after.length, 2);
      for (const e of after) assert.strictEqual(JSON.parse(entryText(e)).hash, e.key.split('.')[0]);
      assert.ok(!fs.existsSync(path.join(cacheDir, 'v0')));
    } finally { index.dispose(); }
  });

  it('an edit resolves without waiting for its cache entry, which lands behind it and serves the next start', async () => {
    const index = await RepoIndex.build(root, { cacheDir });
    try {
      writeFile(root, 'b.ts', LOOKUP + 'export function edited() { return 1; }\n');
      await index.update([path.join(root, 'b.ts')], []);
      assert.ok(index.definitionsIn('b.ts').some((d) => d.name === 'edited'));
      const hash = index.fileRecord('b.ts')!.hash;
      const until = Date.now() + 10_000;
      while (!cacheEntries().some((e) => e.key === `${hash}.typescript`) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const entry = cacheEntries().find((e) => e.key === `${hash}.typescript`);
      assert.ok(entry, 'the edited file\'s entry was written');
      assert.ok(JSON.parse(entryText(entry!)).content.defs.some((d: [string]) => d[0] === 'edited'));
    } finally { index.dispose(); }
    const restarted = await RepoIndex.build(root, { cacheDir });
    try { assert.deepStrictEqual(restarted.cacheStats(), { hits: 4, misses: 0 }); } finally { restarted.dispose(); }
  });

  it('cacheDir: null writes nothing', async () => {
    (await RepoIndex.build(root, { cacheDir: null })).dispose();
    assert.deepStrictEqual(fs.readdirSync(cacheDir), []);
  });
});
