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

  const cacheEntries = () => {
    const dir = path.join(cacheDir, `v${CACHE_FORMAT_VERSION}`);
    return fs.readdirSync(dir).flatMap((d) => fs.readdirSync(path.join(dir, d)).map((f) => path.join(dir, d, f)));
  };

  it('a restart reuses the parses (same results), keyed by content so identical files share one entry', async () => {
    const first = await RepoIndex.build(root, { cacheDir });
    const firstDefs = first.fileList().map((f) => describeDefs(first.definitionsIn(f)));
    first.dispose();
    assert.strictEqual(cacheEntries().length, 3);   // a.ts and same.ts have the same bytes
    assert.ok(cacheEntries().every((f) => f.endsWith('.json')), 'no temp files left behind');

    const second = await RepoIndex.build(root, { cacheDir });
    try {
      assert.deepStrictEqual(second.cacheStats(), { hits: 4, misses: 0 });
      assert.deepStrictEqual(second.fileList().map((f) => describeDefs(second.definitionsIn(f))), firstDefs);
      assert.strictEqual(second.definitionsIn('same.ts')[0].file, 'same.ts');
    } finally { second.dispose(); }
  });

  it('a changed file misses the cache; a corrupt or foreign entry is ignored and rewritten', async () => {
    (await RepoIndex.build(root, { cacheDir })).dispose();
    const entries = cacheEntries();
    const pyEntry = entries.find((f) => f.endsWith('.python.json'))!;
    fs.writeFileSync(pyEntry, '{"version": 1, "hash": "tor');   // torn write
    const tsEntry = entries.find((f) => f.endsWith('.typescript.json') && JSON.parse(fs.readFileSync(f, 'utf8')).content.defs[0].name === 'lookup')!;
    const entry = JSON.parse(fs.readFileSync(tsEntry, 'utf8'));
    entry.hash = '0'.repeat(40);                                  // an entry that claims other bytes
    fs.writeFileSync(tsEntry, JSON.stringify(entry));
    writeFile(root, 'a.ts', STORE + '// edited\n');

    const index = await RepoIndex.build(root, { cacheDir });
    try {
      assert.deepStrictEqual(index.cacheStats(), { hits: 1, misses: 3 });   // only same.ts still matches its entry
      assert.deepStrictEqual(describeDefs(index.definitionsIn('c.py')), ['class C 1-3', 'method run 2-3 in C']);
      assert.deepStrictEqual(describeDefs(index.definitionsIn('b.ts')), ['function lookup 1-3']);
    } finally { index.dispose(); }
    const rewritten = JSON.parse(fs.readFileSync(pyEntry, 'utf8'));
    assert.strictEqual(rewritten.content.defs[0].name, 'C');
  });

  it('after a build, entries no current file uses and old format versions are pruned', async () => {
    const first = await RepoIndex.build(root, { cacheDir });
    first.dispose();
    assert.strictEqual(await first.cachePruned(), 0);   // nothing stale yet
    const before = new Set(cacheEntries());
    fs.mkdirSync(path.join(cacheDir, 'v0', 'ab'), { recursive: true });
    fs.writeFileSync(path.join(cacheDir, 'v0', 'ab', 'old.json'), '{}');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    for (const f of before) fs.utimesSync(f, anHourAgo, anHourAgo);
    writeFile(root, 'b.ts', LOOKUP + 'export const more = 1;\n');
    fs.unlinkSync(path.join(root, 'c.py'));

    const index = await RepoIndex.build(root, { cacheDir });
    try {
      assert.strictEqual(await index.cachePruned(), 3);   // old b.ts, c.py, the v0 folder
      const after = cacheEntries();
      assert.strictEqual(after.length, 2);                  // a.ts (= same.ts) and the new b.ts
      const kept = after.filter((f) => before.has(f));
      assert.strictEqual(kept.length, 1);
      assert.ok(!fs.existsSync(path.join(cacheDir, 'v0')));
    } finally { index.dispose(); }
  });

  it('cacheDir: null writes nothing', async () => {
    (await RepoIndex.build(root, { cacheDir: null })).dispose();
    assert.deepStrictEqual(fs.readdirSync(cacheDir), []);
  });
});
