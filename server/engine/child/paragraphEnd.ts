/**
 * Where a short answer ends: the first blank line after some text, outside a fenced code block. Questions
 * asked in the editor want one paragraph (the prompt says so); small models write it and then go on to
 * restate it, so decoding for a plain question stops at the paragraph's end. A blank line inside a ```
 * fence is part of the code, not the end of the answer.
 */

/** True once `text` holds a finished paragraph: non-blank text, then a blank line, not inside a code fence. */
export function paragraphEnded(text: string): boolean {
  let inFence = false;
  let sawText = false;
  let previousBlank = false;
  const lines = text.split('\n');
  // The last line may still be growing; a blank line is only certain once a newline follows it.
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i];
    if (/^\s*(```|~~~)/.test(line)) { inFence = !inFence; sawText = true; previousBlank = false; continue; }
    const blank = line.trim() === '';
    if (blank && !inFence && sawText && !previousBlank) return true;
    if (!blank) sawText = true;
    previousBlank = blank;
  }
  return false;
}
