// Open addressing over identifiers found in a text, by an FNV-1a hash of their characters: the term scanner
// (chunkTerms.ts) finds a name it has seen again without cutting a new string out of the text nor looking one up
// in a Map.

/**
 * Open addressing over identifiers by a hash of their characters: (hash, 1 + word index) pairs side by side, so a
 * probe reads one small array and compares characters only when the hash matches; at most half full.
 */
export class WordSlots {
  slots = new Int32Array(1 << 11);
  size = 0;

  /** The word index stored for text[i..j) (hash h), or -1; `words` holds the stored words' characters. */
  find(text: string, i: number, j: number, h: number, words: string[], index: Int32Array | undefined): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const len = j - i;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = slots[2 * s + 1];
      if (v === 0) return -1;
      if (slots[2 * s] !== h) continue;
      const w = v - 1;
      const word = words[index ? index[w] : w];
      if (word.length !== len) continue;
      let k = 0;
      while (k < len && word.charCodeAt(k) === text.charCodeAt(i + k)) k++;
      if (k === len) return w;
    }
  }

  insert(h: number, w: number): void {
    if (++this.size * 4 > this.slots.length) {
      const old = this.slots;
      this.slots = new Int32Array(old.length * 2);
      for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.place(old[s], old[s + 1]);
    }
    this.place(h, w + 1);
  }

  private place(h: number, v: number): void {
    const mask = (this.slots.length >> 1) - 1;
    let s = h & mask;
    while (this.slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    this.slots[2 * s] = h; this.slots[2 * s + 1] = v;
  }
}
