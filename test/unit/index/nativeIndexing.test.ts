// The native indexing helpers (native/src/indexing, server/index/nativeIndexing.ts) against their JavaScript twins:
// the same results, array for array, on real files of every natively parsed language and on the edge cases of the
// scanners (CRLF, non-ASCII, long and repeated identifiers, nested and out-of-range chunks).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { termTableFor, termTableInScript } from '../../../server/index/chunkTerms';
import type { ChunkRecord } from '../../../server/index/fileRecord';
import { parseContent } from '../../../server/index/fileParser';
import { languageForFile } from '../../../server/index/languages';
import { TextLines } from '../../../server/index/lineWindows';
import { nativeIndexing, nativeIndexingUnavailable } from '../../../server/index/nativeIndexing';
import { realFiles } from './indexTestSupport';

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
});
