import * as assert from 'assert';
import { definitionEnd, answerMatch, citationCounts, contextHit, lineOfMatch, namesWord, overlayHitAt, summarise } from '../../../test/eval/scoring';

const answer = { file: 'src/flask/helpers.py', startLine: 176, endLine: 179 };

describe('eval scoring', () => {
  it('finds the 1-based line of a pattern', () => {
    assert.strictEqual(lineOfMatch('a\nb\ndef url_for(x):\n', /^def url_for\(/m), 3);
    assert.strictEqual(lineOfMatch('def url_for():', /^def url_for\(/m), 1);
    assert.strictEqual(lineOfMatch('nothing', /^def url_for\(/m), undefined);
  });

  it('context hit needs a packed chunk of the same file over the answer lines', () => {
    assert.strictEqual(contextHit([{ file: 'src/flask/helpers.py', startLine: 170, endLine: 176 }], answer), true);
    assert.strictEqual(contextHit([{ file: 'src/flask/helpers.py', startLine: 180, endLine: 227 }], answer), false);
    assert.strictEqual(contextHit([{ file: 'src/flask/app.py', startLine: 176, endLine: 179 }], answer), false);
  });

  it('citation precision counts citations within five lines of the answer', () => {
    const c = citationCounts([
      { file: 'src/flask/helpers.py', startLine: 176, endLine: 176 },
      { file: 'src/flask/helpers.py', startLine: 184, endLine: 184 }, // 5 lines after the answer's end: counts
      { file: 'src/flask/helpers.py', startLine: 185, endLine: 190 }, // 6 lines after: does not
      { file: 'src/flask/app.py', startLine: 176, endLine: 176 },
    ], answer);
    assert.deepStrictEqual(c, { correct: 2, total: 4 });
  });

  it('overlay hit@3 looks at the three best ranges only', () => {
    const miss = { file: 'src/flask/app.py', startLine: 1, endLine: 9 };
    const hit = { file: 'src/flask/helpers.py', startLine: 172, endLine: 181 };
    assert.strictEqual(overlayHitAt([miss, miss, hit], answer), true);
    assert.strictEqual(overlayHitAt([miss, miss, miss, hit], answer), false);
  });

  it('answer match wants the identifier and the file, as whole words', () => {
    assert.strictEqual(answerMatch('`url_for` is defined in src/flask/helpers.py:176.', 'url_for', answer.file), true);
    assert.strictEqual(answerMatch('`url_for` is defined in app.py.', 'url_for', answer.file), false, 'wrong file');
    assert.strictEqual(answerMatch('`url_for_x` in helpers.py', 'url_for', answer.file), false, 'a longer identifier is not a match');
    assert.strictEqual(answerMatch('get_source in templating.py', ['get_source', 'DispatchingJinjaLoader'], 'src/flask/templating.py'), true);
    assert.strictEqual(namesWord('salt is "cookie-session".', 'cookie-session'), true);
  });

  it('finds where a Python or JavaScript definition ends', () => {
    const py = ['import x', '', 'def url_for(', '    endpoint: str,', ') -> str:', '    "Doc."', '', '    return endpoint', '', 'def other():', '    pass'].join('\n');
    assert.strictEqual(definitionEnd(py, 3), 8, 'the signature closing at column 0 and blank lines stay inside');
    const cls = ['class A:', '    x = 1', '', '    def f(self):', '        return 2', 'y = 3'].join('\n');
    assert.strictEqual(definitionEnd(cls, 1), 5);
    assert.strictEqual(definitionEnd(cls, 4), 5);
    const js = ['function View(name, options) {', '  var opts = options || {};', '  if (x) {', '  }', '}', '', 'function other() {}'].join('\n');
    assert.strictEqual(definitionEnd(js, 1), 5);
    assert.strictEqual(definitionEnd(js, 7), 7, 'a one-line function ends on its line');
  });

  it('summarises rates; overlay hit@3 only over answers that were packed', () => {
    const s = summarise([
      { contextHit: true, citations: { correct: 1, total: 2 }, overlayHit3: true, answerMatch: true, stopReason: 'eos' },
      { contextHit: true, citations: { correct: 0, total: 1 }, overlayHit3: false, answerMatch: false, stopReason: 'length' },
      { contextHit: false, citations: { correct: 0, total: 1 }, overlayHit3: false, answerMatch: false, stopReason: 'stop' },
      { contextHit: true, citations: { correct: 1, total: 0 }, overlayHit3: true, answerMatch: false, stopReason: 'eos' },
    ]);
    assert.strictEqual(s.n, 4);
    assert.strictEqual(s.contextHitRate, 0.75);
    assert.strictEqual(s.citationPrecision, 2 / 4);
    assert.strictEqual(s.overlayHit3, 2 / 3);
    assert.strictEqual(s.answerMatch, 0.25);
    assert.deepStrictEqual(s.stopReasons, { eos: 2, length: 1, stop: 1 });
    assert.strictEqual(s.lengthStopRate, 0.25);
  });
});
