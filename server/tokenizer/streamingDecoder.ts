/**
 * Turns generated tokens into text as they arrive: holds back bytes of a UTF-8 character split over
 * two tokens, and text that might be the start of a stop string, so the user never sees a broken
 * character or a half-printed stop marker.
 */
import type { TextTokenizer } from './tokenizer';

export class StreamingDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });
  private pending = '';
  /** All text released so far. */
  text = '';
  /** Set once a stop string appeared; text after it is never released. */
  stopped = false;

  constructor(private readonly tokenizer: TextTokenizer, private readonly stopStrings: string[] = []) {}

  /** Feeds one token; returns the text that is now safe to show (may be ''). */
  push(id: number): string {
    if (this.stopped) return '';
    if (this.tokenizer.isSpecial(id)) return '';
    this.pending += this.utf8.decode(this.tokenizer.tokenBytes(id), { stream: true });
    return this.release(false);
  }

  /** Releases whatever is held back (end of generation). */
  flush(): string {
    if (this.stopped) return '';
    this.pending += this.utf8.decode();
    return this.release(true);
  }

  private release(final: boolean): string {
    for (const stop of this.stopStrings) {
      const at = this.pending.indexOf(stop);
      if (at >= 0) {
        const out = this.pending.slice(0, at);
        this.pending = '';
        this.stopped = true;
        this.text += out;
        return out;
      }
    }
    let keep = 0;
    if (!final) {
      // Hold back the longest suffix that is a prefix of some stop string.
      for (const stop of this.stopStrings) {
        for (let n = Math.min(stop.length - 1, this.pending.length); n > keep; n--) {
          if (this.pending.endsWith(stop.slice(0, n))) { keep = n; break; }
        }
      }
    }
    const out = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    this.text += out;
    return out;
  }
}
