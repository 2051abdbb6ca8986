// How the server turns editor ranges into the 1-based, inclusive line ranges the ask pipeline takes.
import * as assert from 'assert';
import { linesOf } from '../../../server/lsp/answerService';
import { relativeFile } from '../../../server/lsp/codeLenses';

describe('answer service ranges', function () {
  it('converts an LSP range to 1-based inclusive lines', function () {
    assert.deepStrictEqual(linesOf({ start: { line: 4, character: 2 }, end: { line: 9, character: 5 } }), { startLine: 5, endLine: 10 });
  });

  it('leaves out the last line when the selection ends at its column 0', function () {
    assert.deepStrictEqual(linesOf({ start: { line: 8, character: 0 }, end: { line: 10, character: 0 } }), { startLine: 9, endLine: 10 });
  });

  it('keeps a one-line range when start and end are on one line', function () {
    assert.deepStrictEqual(linesOf({ start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }), { startLine: 4, endLine: 4 });
  });

  it('maps file URIs inside the workspace to root-relative paths and refuses the rest', function () {
    assert.strictEqual(relativeFile('/repo', 'file:///repo/src/a%20b.ts'), 'src/a b.ts');
    assert.strictEqual(relativeFile('/repo', 'file:///elsewhere/x.ts'), undefined);
    assert.strictEqual(relativeFile('/repo', 'untitled:Untitled-1'), undefined);
    assert.strictEqual(relativeFile('/repo', 'file:///repo'), undefined);
  });
});
