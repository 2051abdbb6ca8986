// The native indexing helpers (native/src/indexing, server/index/nativeIndexing.ts) against their JavaScript twins
// (term tables, code skeletons, parse-and-query):
// the same results, array for array, on real files of every natively parsed language and on the edge cases of the
// scanners (CRLF, non-ASCII, long and repeated identifiers, nested and out-of-range chunks).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { termTableFor, termTableInScript } from '../../../server/index/chunkTerms';
import { codeSkeleton, codeSkeletonInScript, type SkeletonFamily } from '../../../server/index/codeSkeleton';
import { unpackRefs, type ChunkRecord } from '../../../server/index/fileRecord';
import { parseContent } from '../../../server/index/fileParser';
import { readIndexable, readIndexableInScript } from '../../../server/index/fileReader';
import { languageForFile, languageSpec } from '../../../server/index/languages';
import { nativeLanguage } from '../../../server/index/nativeGrammars';
import type { SyntaxMatch } from '../../../server/index/syntaxTree';
import { TextLines } from '../../../server/index/lineWindows';
import { nativeIndexing, nativeIndexingUnavailable } from '../../../server/index/nativeIndexing';
import { filesIn, realFiles } from './indexTestSupport';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Both term tables of `chunks` over `text`, each with the chunk lengths it set. */
function bothTermTables(text: string, chunks: ChunkRecord[]) {
  const lines = new TextLines(text);
  const a = chunks.map((c) => ({ ...c, length: -1 }));
  const b = chunks.map((c) => ({ ...c, length: -1 }));
  const plain = (t: object) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Array.from(v as Int32Array)]));
  return { native: { table: plain(termTableFor(lines, a)), lengths: a.map((c) => c.length) },
    script: { table: plain(termTableInScript(lines, b)), lengths: b.map((c) => c.length) } };
}

const chunk = (startLine: number, endLine: number): ChunkRecord => ({ kind: 'definition', startLine, endLine, length: 0 });

describe('index: native indexing helpers match their JavaScript twins', function () {
  this.timeout(120_000);

  before(() => {
    // The addon is built by `npm run build:native` (and `npm ci`'s prepare step): without it this suite has nothing to compare.
    assert.ok(nativeIndexing(), `native indexing helpers unavailable: ${nativeIndexingUnavailable()}`);
  });

  it('term tables and chunk lengths: real files, chunks as the parser makes them', async () => {
    let files = 0; let terms = 0;
    for (const abs of [...realFiles(), path.join(ROOT, 'README.md'), path.join(ROOT, 'ARCHITECTURE.md')]) {
      const text = fs.readFileSync(abs, 'utf8');
      const content = await parseContent(path.relative(ROOT, abs), text, languageForFile(abs)?.id ?? 'text');
      const { native, script } = bothTermTables(text, content.chunks);
      assert.deepStrictEqual(native, script, path.relative(ROOT, abs));
      files++; terms += native.table.termStarts.length - 1;
    }
    assert.ok(files > 100 && terms > 20_000, `only ${files} files, ${terms} terms compared`);
  });

  it('term tables: CRLF, non-ASCII, long and repeated identifiers, nested, overlapping and out-of-range chunks', () => {
    const long = 'x'.repeat(300) + 'Y'.repeat(300);
    const text = [
      'class HTTPServer_HTTPServer {\r',
      '  foo_foo = fooFoo + é_naïve + $el$ + _ + a1b2C3 + XMLHttpRequest2;\r',
      `  ${long}() { return ${long}; }\r`,
      '\r',
      '}\r',
      'ÀB ABc aBC abC a_b__c 1e10 0x1F __proto__ constructor',
      '',
    ].join('\n');
    const cases: ChunkRecord[][] = [
      [chunk(1, 5), chunk(2, 2), chunk(3, 3), { ...chunk(6, 7), kind: 'window' }],
      [chunk(1, 3), chunk(2, 5), chunk(2, 5), chunk(5, 40), chunk(9, 12), chunk(4, 3)],
      [],
    ];
    for (const chunks of cases) {
      const { native, script } = bothTermTables(text, chunks);
      assert.deepStrictEqual(native, script, JSON.stringify(chunks));
    }
    for (const t of ['', '\n', 'a', 'ab', 'ab\r\n', '\r\n\r\n']) {
      const { native, script } = bothTermTables(t, [chunk(1, 3)]);
      assert.deepStrictEqual(native, script, JSON.stringify(t));
    }
  });

  it('reading a file: the same text, hash and reasons as the JavaScript reader, on real files and every kind of skip', function () {
    if (!nativeIndexing()!.readSource) this.skip();   // not on Windows, where the JavaScript reader runs
    let files = 0;
    for (const abs of [...realFiles(), path.join(ROOT, 'README.md'), path.join(ROOT, 'package.json')]) {
      assert.deepStrictEqual(readIndexable(abs), readIndexableInScript(abs), path.relative(ROOT, abs));
      files++;
    }
    assert.ok(files > 100, `only ${files} files compared`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-read-'));
    try {
      const write = (name: string, data: string | Buffer) => { fs.writeFileSync(path.join(dir, name), data); return path.join(dir, name); };
      const cases = [
        write('empty.ts', ''),
        write('ascii.ts', 'const a = 1;\r\nconst b = 2;'),
        write('utf8.ts', 'const é = "naïve ☃";\n'),
        write('invalid.ts', Buffer.from([0x61, 0xff, 0xfe, 0x0a, 0x62])),
        write('nul.bin', Buffer.from([0x61, 0x00, 0x62])),
        write('minified.js', 'x'.repeat(10_001)),
        write('long-utf8.js', 'é'.repeat(10_000)),   // 20,000 bytes, 10,000 characters: kept
        write('big.txt', 'a\n'.repeat(600)),        // over the limit passed below
        write('grows.txt', ('b'.repeat(99) + '\n').repeat(2000)),   // 200,000 bytes: over the reader's first buffer
        path.join(dir, 'missing.ts'),
        path.join(dir, 'ascii.ts', 'below-a-file.ts'),
        dir,
      ];
      try { execFileSync('mkfifo', [path.join(dir, 'fifo')]); cases.push(path.join(dir, 'fifo')); } catch { /* no mkfifo here */ }
      for (const abs of cases) {
        for (const max of [1000, 1 << 20]) assert.deepStrictEqual(readIndexable(abs, max), readIndexableInScript(abs, max), `${path.basename(abs)} (max ${max})`);
      }
      assert.strictEqual(readIndexable(path.join(dir, 'long-utf8.js')).status, 'ok');
      assert.strictEqual(readIndexable(path.join(dir, 'minified.js')).status, 'skip');
      assert.strictEqual(readIndexable(path.join(dir, 'missing.ts')).status, 'gone');
      assert.strictEqual(readIndexable(path.join(dir, 'grows.txt')).bytes, 200_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('code skeletons: real files, each scanned as C, JavaScript and TypeScript', () => {
    let runs = 0; let blanked = 0; let gaveUp = 0;
    const files = [...realFiles(), ...filesIn(path.join(path.dirname(require.resolve('esbuild/package.json')), 'lib'), /\.js$/, 2)];
    for (const abs of files) {
      const text = fs.readFileSync(abs, 'utf8');
      for (const family of ['c', 'js', 'ts'] as SkeletonFamily[]) {
        const native = codeSkeleton(text, family);
        const script = codeSkeletonInScript(text, family);
        // Identifiers in first-seen order: the index keeps that order (packed references).
        const plain = (s: typeof native) => s && { ...s, identifiers: Object.entries(unpackRefs(s.identifiers)) };
        assert.deepStrictEqual(plain(native), plain(script), `${path.relative(ROOT, abs)} as ${family}`);
        runs++;
        if (native) blanked += native.blanked; else gaveUp++;
      }
    }
    assert.ok(runs >= 300 && blanked > 1_000_000 && gaveUp > 0, `${runs} scans, ${blanked} characters blanked, ${gaveUp} given up`);
  });

  it('code skeletons: strings, comments, regular expressions, templates, macros, JSX and text the scanners give up on', () => {
    const sources = [
      '#define M(x) { \\\n  x; \\\r\n}\nint f(void) { return M(1); }\n#error don\'t\nstruct s { int a; };\n',
      'int A::size() const {\n  return n;\n}\nA::A() : n(0) {\n  init();\n}\ntemplate <typename T> T id(T x) { return x; }\n',
      'const f = async () => { return 1; };\nconst g = x => { y(); };\nlet h =\u00a0function () {};\nvar r = /[/]}{/g;\n',
      'const t = `a ${ {b: 1}.b } ${`n${x}`}`;\nimport x from "./x";\nexport * from \'./y\';\nrequire("z");\nfoo.import("no");\n',
      'function f(x: unknown): Promise<T[]> {\n  return <string>x;\n}\nconst y = a! / b;\nclass C { m() { return 1; } }\n',
      'function App() {\n  return <div>{x}</div>;\n}\n', 'int f(void) { /* never closed\n', '{ ( }', '"open', '`open ${',
      'x = { [k]() {} };\nif (a) { b(); } else { c(); }\nnew Foo(() => { bar(); });\nconst é = 1; const $x = "é";\n',
      '', '}', 'a /* x */ / b / c',
    ];
    for (const text of sources) {
      for (const family of ['c', 'js', 'ts'] as SkeletonFamily[]) {
        const plain = (s: ReturnType<typeof codeSkeleton>) => s && { ...s, identifiers: Object.entries(unpackRefs(s.identifiers)) };
        assert.deepStrictEqual(plain(codeSkeleton(text, family)), plain(codeSkeletonInScript(text, family)), `${JSON.stringify(text)} as ${family}`);
      }
    }
  });

  it('parse-and-query: the same matches as the npm binding\'s parse and Query.matches, on real files', function () {
    if (!nativeIndexing()!.treeSitter) this.skip();   // an addon built without the vendored tree-sitter runtime
    const plain = (ms: SyntaxMatch[]) => ms.map((m) => m.captures.map((c) => [c.name, c.node.startIndex, c.node.endIndex,
      c.node.startPosition.row, c.node.startPosition.column, c.node.endPosition.row, c.node.endPosition.column, c.node.text].join(' ')));
    let captures = 0;
    const byLanguage: Record<string, number> = {};
    for (const abs of realFiles()) {
      const spec = languageSpec(languageForFile(abs)?.id ?? '');
      const lang = spec && nativeLanguage(spec.grammar);
      if (!spec || !lang?.parseMatches || (byLanguage[spec.id] ?? 0) >= 8) continue;
      const text = fs.readFileSync(abs, 'utf8');
      if (text.length > 40_000) continue;   // the binding's node objects for every identifier: slow in CI
      // The query of a whole-file parse (JavaScript's imports hold an #eq? predicate).
      const query = lang.query(`${spec.definitions}\n${spec.references}\n${spec.imports}`);
      const direct = lang.parseMatches(text, query)?.matches;
      assert.ok(direct, `${abs}: no parse-and-query for ${spec.id}`);
      const tree = lang.parse(text)!;
      const binding = query.matches(tree.rootNode);
      assert.deepStrictEqual(plain(direct), plain(binding), path.relative(ROOT, abs));
      // References counted natively: the same names, counts and order as fileParser.ts counts them from the matches,
      // and the matches without the reference captures.
      const counted = lang.parseMatches(text, query, true)!;
      const nameStarts = new Set(binding.flatMap((m) => m.captures.filter((c) => c.name === 'name').map((c) => c.node.startIndex)));
      const refs: Record<string, number> = Object.create(null);
      for (const m of binding) for (const c of m.captures) {
        if (c.name !== 'ref' || nameStarts.has(c.node.startIndex) || c.node.text.length < 2) continue;
        refs[c.node.text] = (refs[c.node.text] ?? 0) + 1;
      }
      assert.deepStrictEqual(Object.entries(unpackRefs(counted.refs!)), Object.entries(refs), `${path.relative(ROOT, abs)}: references`);
      const withoutRefs = binding.map((m) => ({ captures: m.captures.filter((c) => c.name !== 'ref') })).filter((m) => m.captures.length);
      assert.deepStrictEqual(plain(counted.matches), plain(withoutRefs), `${path.relative(ROOT, abs)}: matches without references`);
      captures += direct.reduce((n, m) => n + m.captures.length, 0);
      byLanguage[spec.id] = (byLanguage[spec.id] ?? 0) + 1;
    }
    for (const id of ['c', 'cpp', 'javascript', 'typescript', 'tsx']) assert.ok(byLanguage[id] > 0, `no ${id} file: ${JSON.stringify(byLanguage)}`);
    assert.ok(captures > 5_000, `only ${captures} captures compared`);
  });

  it('parse-and-query: #eq? and #not-eq? of a capture and a string as the npm binding; other predicates go through it', function () {
    if (!nativeIndexing()!.treeSitter) this.skip();
    const lang = nativeLanguage('javascript')!;
    const text = 'require("x"); other("y"); require(z); const r = require;\n';
    const plain = (ms: SyntaxMatch[]) => ms.map((m) => m.captures.map((c) => `${c.name} ${c.node.startIndex} ${c.node.text}`).join(', '));
    for (const source of [
      '(call_expression function: (identifier) @f (#eq? @f "require")) @call',
      '(call_expression function: (identifier) @f (#not-eq? @f "require")) @call',
      '(call_expression function: (identifier) @f arguments: (arguments (string (string_fragment) @s)) (#eq? @f "require") (#not-eq? @s "y"))',
    ]) {
      const query = lang.query(source);
      const direct = lang.parseMatches!(text, query)?.matches;
      assert.ok(direct, source);
      assert.deepStrictEqual(plain(direct), plain(query.matches(lang.parse(text)!.rootNode)), source);
    }
    assert.strictEqual(plain(lang.parseMatches!(text, lang.query('(call_expression function: (identifier) @f (#eq? @f "require")) @call'))!.matches).length, 2);
    const matchQuery = lang.query('(call_expression function: (identifier) @f (#match? @f "^req")) @call');
    assert.strictEqual(lang.parseMatches!(text, matchQuery), undefined);
  });
});
