/**
 * Where a short answer ends. Questions asked in the editor want one short paragraph (the prompt says so); small
 * models write it and then go on to restate it, so decoding for a plain question stops at the paragraph's end:
 * a blank line, or a line break right after a finished sentence, or the end of the third sentence. Text inside a
 * ``` fence is code, not prose: none of these ends the answer there.
 */

/** Sentences a short answer may hold before decoding stops. */
export const SHORT_ANSWER_SENTENCES = 3;

/** True once `text` holds a finished short paragraph (see above). */
export function paragraphEnded(text: string, maxSentences = SHORT_ANSWER_SENTENCES): boolean {
  let inFence = false;
  let sawText = false;
  let previousBlank = false;
  let sentences = 0;
  const lines = text.split('\n');
  // The last line may still be growing: a blank line, or a line's end, is only certain once a newline follows it.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const complete = i < lines.length - 1;
    if (/^\s*(```|~~~)/.test(line)) { if (complete) { inFence = !inFence; sawText = true; previousBlank = false; } continue; }
    if (inFence) continue;
    const blank = line.trim() === '';
    if (complete && blank && sawText && !previousBlank) return true;
    if (!blank) sawText = true;
    // Sentence ends: . ! ? followed by a space (inside the line) or by the line break; not inside `code`.
    const prose = line.replace(/`[^`]*`/g, '`x`');
    sentences += (prose.match(/[.!?](?=\s)/g) ?? []).length;
    if (complete && /[.!?]\s*$/.test(prose)) return true; // a line break after a finished sentence
    if (sentences >= maxSentences) return true;
    previousBlank = blank;
  }
  return false;
}
