// Files that must not break indexing: binary, invalid UTF-8, huge single-line, minified, symlink loops, FIFOs,
// files that vanish between listing and reading, and folders excluded by .gitignore or the defaults.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readIndexable } from '../../../server/index/fileReader';
import { RepoIndex } from '../../../server/index/repoIndex';
import { makeRepo, removeRepo } from './indexTestSupport';

describe('index: bad input and excludes', () => {
  const roots: string[] = [];
  const repo = (files: Record<string, string | Buffer>) => { const r = makeRepo(files); roots.push(r); return r; };
  after(() => roots.forEach(removeRepo));

  it('skips binary, huge and minified files with a reason, and indexes invalid UTF-8 with replacement characters', async () => {
    const root = repo({
      'ok.ts': 'export function fine() { return 1; }\n',
      'image.dat': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01, 0x02]),
      'huge.js': 'x'.repeat(5 * 1024 * 1024),
      'bundle.js': 'var a=1;' + 'a+=1;'.repeat(4000) + '\n',
      'latin1.py': Buffer.concat([Buffer.from('def caf'), Buffer.from([0xe9, 0xff]), Buffer.from('():\n    return 1\n')]),
    });
    const index = await RepoIndex.build(root, { cacheDir: null });
    try {
      assert.deepStrictEqual(index.fileList(), ['latin1.py', 'ok.ts']);
      const skipped = Object.fromEntries(index.skipped().map((s) => [s.file, s.reason]));
      assert.match(skipped['image.dat'], /binary/);
      assert.match(skipped['huge.js'], /larger than 1048576 bytes/);
      assert.match(skipped['bundle.js'], /minified or generated/);
      assert.match(index.fileText('latin1.py')!, /caf\uFFFD\uFFFD/);
      assert.strictEqual(index.definitionsIn('latin1.py').length, 1);
    } finally { index.dispose(); }
  });

  it('follows symlinks without looping and ignores dangling links', async () => {
    const root = repo({ 'a/one.ts': 'export const one = () => 1;\n' });
    fs.symlinkSync(root, path.join(root, 'a', 'loop'));              // a/loop -> root -> a -> loop ...
    fs.symlinkSync(path.join(root, 'a'), path.join(root, 'alias'));   // a second way into the same folder
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'dangling.ts'));
    const index = await RepoIndex.build(root, { cacheDir: null });
    try {
      assert.deepStrictEqual(index.fileList(), ['a/one.ts']);
    } finally { index.dispose(); }
  });

  it('does not block on a FIFO, neither when listing nor when a file turns into one before it is read', async () => {
    const root = repo({ 'real.ts': 'export function real() {}\n' });
    execFileSync('mkfifo', [path.join(root, 'pipe.ts')]);
    const index = await RepoIndex.build(root, { cacheDir: null });
    try {
      assert.deepStrictEqual(index.fileList(), ['real.ts']);
    } finally { index.dispose(); }
    const pipe = readIndexable(path.join(root, 'pipe.ts'));
    assert.deepStrictEqual([pipe.status, pipe.reason, pipe.text], ['skip', 'not a regular file', '']);
  });

  it('drops a file deleted between listing and reading, without failing the build', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`f${String(i).padStart(2, '0')}.ts`] = `export function f${i}() { return ${i}; }\n`;
    const root = repo(files);
    let deleted = false;
    const index = await RepoIndex.build(root, {
      cacheDir: null,
      // Progress 0 is reported after the walk, before any file is read.
      onProgress: (done) => { if (done === 0 && !deleted) { fs.unlinkSync(path.join(root, 'f13.ts')); deleted = true; } },
    });
    try {
      assert.ok(deleted);
      assert.strictEqual(index.stats().files, 19);
      assert.ok(!index.fileList().includes('f13.ts'));
      assert.strictEqual(readIndexable(path.join(root, 'f13.ts')).status, 'gone');
    } finally { index.dispose(); }
  });

  it('honours nested .gitignore files (a child can re-include) and the default excludes', async () => {
    const root = repo({
      '.gitignore': '*.log\ngenerated/\n',
      'src/.gitignore': 'secret.ts\n!keep.log\n',
      'src/main.ts': 'export function main() {}\n',
      'src/secret.ts': 'export const key = 1;\n',
      'src/keep.log': 'kept because src/.gitignore re-includes it\n',
      'debug.log': 'ignored by the root .gitignore\n',
      'generated/out.ts': 'export const x = 1;\n',
      'node_modules/pkg/index.js': 'module.exports = 1;\n',
      'dist/main.js': 'console.log(1);\n',
      'package-lock.json': '{}\n',
      'lib/app.min.js': 'var a=1;\n',
    });
    const index = await RepoIndex.build(root, { cacheDir: null });
    try {
      assert.deepStrictEqual(index.fileList(), ['.gitignore', 'src/.gitignore', 'src/keep.log', 'src/main.ts']);
    } finally { index.dispose(); }
    const everything = await RepoIndex.build(root, { cacheDir: null, defaultExcludes: false, excludes: ['*.log', '.gitignore'] });
    try {
      assert.deepStrictEqual(everything.fileList(), ['dist/main.js', 'lib/app.min.js', 'node_modules/pkg/index.js', 'package-lock.json', 'src/main.ts']);
    } finally { everything.dispose(); }
  });

  it("honours the repository's local excludes (.git/info/exclude) below its .gitignore files", async () => {
    const root = repo({
      '.git/info/exclude': '# local only\n/scratch/\n*.local.ts\nsrc/kept.local.ts\n',
      '.gitignore': '!src/kept.local.ts\n',
      'scratch/notes.ts': 'export const draft = 1;\n',
      'src/main.ts': 'export function main() {}\n',
      'src/settings.local.ts': 'export const local = 1;\n',
      'src/kept.local.ts': 'export const kept = 1;\n',
      'lib/scratch/util.ts': 'export const util = 1;\n',
    });
    const index = await RepoIndex.build(root, { cacheDir: null });
    try {
      // /scratch/ is anchored at the root (lib/scratch stays); a .gitignore's `!` wins over the local excludes.
      assert.deepStrictEqual(index.fileList(), ['.gitignore', 'lib/scratch/util.ts', 'src/kept.local.ts', 'src/main.ts']);
    } finally { index.dispose(); }
  });

  it('explains a missing or wrong root instead of crashing', async () => {
    await assert.rejects(RepoIndex.build('/nonexistent/unisparse-repo'), /does not exist/);
    const root = repo({ 'file.ts': '' });
    await assert.rejects(RepoIndex.build(path.join(root, 'file.ts')), /is a file, not a folder/);
  });

  it('can be cancelled with an AbortSignal', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`m${i}.ts`] = `export class C${i} { run() { return ${i}; } }\n`.repeat(50);
    const root = repo(files);
    const controller = new AbortController();
    const started = Date.now();
    await assert.rejects(RepoIndex.build(root, {
      cacheDir: null,
      signal: controller.signal,
      onProgress: (done) => { if (done === 5) controller.abort(); },
    }), (e: Error) => e.name === 'AbortError' && /cancelled/.test(e.message));
    assert.ok(Date.now() - started < 30_000);
  });
});
