// The native and wasm parsers (server/index/nativeGrammars.ts, grammarLoader.ts) must index a file the same way:
// the same definitions, references, imports and chunks, on real source files of every natively parsed language
// (this project's TypeScript, its C++ and the fixtures, the C of the tree-sitter runtime and the JavaScript of a
// dependency), through the skeleton path and the whole-file path (TSX, and files the skeleton scanner gives up on).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseContent, parserBackendFor } from '../../../server/index/fileParser';
import { unpackRefs } from '../../../server/index/fileRecord';
import { languageForFile } from '../../../server/index/languages';
import { nativeUnavailable } from '../../../server/index/nativeGrammars';
import { realFiles } from './indexTestSupport';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Everything the index keeps from a parse, in a form assert.deepStrictEqual diffs readably. */
async function indexed(file: string, text: string, language: string, backend: 'native' | 'wasm') {
  const c = await parseContent(file, text, language, undefined, backend);
  return {
    language: c.language,
    defs: c.defs.map((d) => `${d.kind} ${d.name} ${d.startLine}-${d.endLine}${d.container ? ` in ${d.container}` : ''}`),
    refs: Object.entries(unpackRefs(c.refs)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    imports: c.imports,
    chunks: c.chunks.map((k) => `${k.kind} ${k.name ?? ''} ${k.startLine}-${k.endLine} ${k.length}`),
  };
}

describe('index: native and wasm parsers agree', function () {
  this.timeout(120_000);

  it('uses the native parser for C, C++, JavaScript, TypeScript and TSX on linux-x64', async function () {
    if (`${process.platform}-${process.arch}` !== 'linux-x64') this.skip();   // other platforms may fall back to wasm
    for (const language of ['c', 'cpp', 'javascript', 'typescript', 'tsx']) {
      assert.strictEqual(await parserBackendFor(language), 'native', `${language}: ${nativeUnavailable(language) ?? ''}`);
    }
    assert.strictEqual(await parserBackendFor('python'), 'wasm');   // no native package: the wasm grammar
  });

  it('finds the same definitions, references, imports and chunks in real files', async function () {
    if (await parserBackendFor('c', 'auto') !== 'native') this.skip();
    const files = realFiles();
    const byLanguage: Record<string, number> = {};
    let defs = 0;
    for (const abs of files) {
      const language = languageForFile(abs)?.id;
      if (!language) continue;
      const text = fs.readFileSync(abs, 'utf8');
      const rel = path.relative(ROOT, abs);
      const native = await indexed(rel, text, language, 'native');
      const wasm = await indexed(rel, text, language, 'wasm');
      assert.deepStrictEqual(native, wasm, `${rel} (${language})`);
      byLanguage[language] = (byLanguage[language] ?? 0) + 1;
      defs += native.defs.length;
    }
    // The comparison covered every native language and found real definitions (not two empty results).
    for (const language of ['c', 'cpp', 'javascript', 'typescript', 'tsx']) assert.ok(byLanguage[language] > 0, `no ${language} file compared: ${JSON.stringify(byLanguage)}`);
    assert.ok(defs > 500, `only ${defs} definitions compared`);
  });

  it('a file the skeleton scanner gives up on is parsed whole, the same by both', async () => {
    // An unbalanced brace defeats the scanner: both backends then parse the whole text with the full query.
    const text = 'int f(int a) {\n  return a;\n}\nstruct point { int x; int y; };\nint g(void) { { return helper(1); }\n';
    assert.deepStrictEqual(await indexed('x.c', text, 'c', 'native'), await indexed('x.c', text, 'c', 'wasm'));
    const native = await indexed('x.c', text, 'c', 'native');
    assert.ok(native.defs.includes('function f 1-3'), native.defs.join(', '));
    assert.ok(native.refs.some(([name]) => name === 'helper'), JSON.stringify(native.refs));
  });
});
