import * as assert from 'assert';
import { paragraphEnded } from '../../../../server/engine/child/paragraphEnd';

describe('paragraph end of a short answer', () => {
  it('ends at the first blank line after text', () => {
    assert.strictEqual(paragraphEnded('`url_for` is in flask/helpers.py:176.\n\n'), true);
    assert.strictEqual(paragraphEnded('`url_for` is in flask/helpers.py:176.\n\nIt also'), true);
  });

  it('does not end before any text, inside a line, or on a single newline', () => {
    assert.strictEqual(paragraphEnded('\n\n'), false);
    assert.strictEqual(paragraphEnded('  \n\nThe answer'), false);
    assert.strictEqual(paragraphEnded('One line.\nAnother line.'), false);
    assert.strictEqual(paragraphEnded('One line.\n'), false);
  });

  it('a blank line inside a code fence is code, not the end', () => {
    const open = 'It is defined so:\n```python\ndef f():\n\n    return 1\n';
    assert.strictEqual(paragraphEnded(open), false);
    assert.strictEqual(paragraphEnded(open + '```\nThat is all.\n\n'), true);
  });

  it('a paragraph that ends right after a fence ends there', () => {
    assert.strictEqual(paragraphEnded('```js\nconst a = 1;\n```\n\n'), true);
  });
});
