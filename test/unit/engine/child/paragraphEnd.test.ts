import * as assert from 'assert';
import { paragraphEnded } from '../../../../server/engine/child/paragraphEnd';

describe('end of a short answer', () => {
  it('ends at the first blank line after text', () => {
    assert.strictEqual(paragraphEnded('`url_for` is in flask/helpers.py:176, see\n\n'), true);
    assert.strictEqual(paragraphEnded('These include:\n\nIt also'), true);
  });

  it('ends at a line break right after a finished sentence', () => {
    assert.strictEqual(paragraphEnded('`url_for` is defined in src/flask/helpers.py:176.\n'), true);
    assert.strictEqual(paragraphEnded('`url_for` is defined in src/flask/helpers.py:176.'), false, 'the line may still grow');
    assert.strictEqual(paragraphEnded('These include:\n- url_for\n'), false, 'a list introduction goes on');
  });

  it('ends after the third sentence', () => {
    assert.strictEqual(paragraphEnded('One. Two. Three'), false);
    assert.strictEqual(paragraphEnded('One. Two! Three? Four'), true);
    assert.strictEqual(paragraphEnded('It is in `a.b. c.d. e.f.` and x.py. Then'), false, 'dots inside `code` and in file names are no sentence ends');
  });

  it('does not end before any text or on a single newline inside a sentence', () => {
    assert.strictEqual(paragraphEnded('\n\n'), false);
    assert.strictEqual(paragraphEnded('  \n\nThe answer'), false);
    assert.strictEqual(paragraphEnded('One line\nanother line'), false);
  });

  it('a blank line or a sentence inside a code fence is code, not the end', () => {
    const open = 'It is defined so:\n```python\ndef f():\n\n    return 1. \n    x = 2.\n';
    assert.strictEqual(paragraphEnded(open), false);
    assert.strictEqual(paragraphEnded(open + '```\nThat is all.\n'), true);
  });
});
