// The layout's rules, checked on the sources: the language server does not import the client, common/ imports
// neither side, production code never reaches into test/, and the language server's code never loads the
// native addon (test/unit/lsp/languageServer.test.ts checks the running process too).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const PRODUCTION = ['common', 'extension', 'server', 'media'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|js)$/.test(e.name)) out.push(rel);
  }
  return out;
}

interface Import { spec: string; typeOnly: boolean }

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[3], typeOnly: !!m[2] });
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1], typeOnly: false });
  for (const m of text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1], typeOnly: false });
  return out;
}

/** The repository-relative file a relative import names, or undefined for a package. */
function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.join(path.dirname(from), spec);
  for (const ext of ['', '.ts', '.js', '/index.ts', '/index.js']) {
    const p = base + ext;
    if (fs.existsSync(path.join(root, p)) && fs.statSync(path.join(root, p)).isFile()) return p;
  }
  return base;
}

const topFolder = (rel: string) => rel.split(path.sep)[0];
const files = PRODUCTION.flatMap(sourceFiles);

describe('import boundaries', function () {
  it('the language server imports nothing from the client', function () {
    const bad = files.filter((f) => topFolder(f) === 'server')
      .flatMap((f) => importsOf(f).map((i) => [f, resolve(f, i.spec)] as const))
      .filter(([, to]) => to && topFolder(to) === 'extension');
    assert.deepStrictEqual(bad, []);
  });

  it('common/ imports neither side, nor any package', function () {
    const bad = files.filter((f) => topFolder(f) === 'common')
      .flatMap((f) => importsOf(f).map((i) => [f, resolve(f, i.spec) ?? i.spec] as const))
      .filter(([, to]) => topFolder(to) !== 'common');
    assert.deepStrictEqual(bad, []);
  });

  it('production code neither imports nor loads anything from test/', function () {
    const imports = files.flatMap((f) => importsOf(f).map((i) => [f, resolve(f, i.spec)] as const))
      .filter(([, to]) => to && topFolder(to) === 'test');
    assert.deepStrictEqual(imports, []);
    // Paths built at run time (a fork's `-r`, a worker's entry) name the folder as a string.
    const paths = files.filter((f) => /['"]test['"]\s*[,)]|['"]test\//.test(fs.readFileSync(path.join(root, f), 'utf8')));
    assert.deepStrictEqual(paths, []);
  });

  it("the language server's code never reaches the engine child or the native addon", function () {
    const seen = new Set<string>();
    const queue = ['server/lsp/main.ts'];
    const reached: string[] = [];
    while (queue.length) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const i of importsOf(f)) {
        if (i.typeOnly) continue;
        const to = resolve(f, i.spec);
        if (!to) continue;
        if (to.startsWith(path.join('server', 'engine', 'child')) || topFolder(to) === 'native') reached.push(`${f} -> ${to}`);
        else if (/\.(ts|js)$/.test(to)) queue.push(to);
      }
    }
    assert.ok(seen.size > 20, `only ${seen.size} files reached: the scan lost its way`);
    assert.deepStrictEqual(reached, []);
    const bundle = path.join(root, 'dist', 'server', 'main.js');
    if (fs.existsSync(bundle)) {
      assert.ok(!fs.readFileSync(bundle, 'utf8').includes('function loadNativeAddon('), `${bundle} contains the addon loader`);
    }
  });
});
