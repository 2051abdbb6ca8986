/**
 * A plain-JS version of a byte-level pre-tokenizer made of regex splits (what every `tokenizer.ggml.pre`
 * we support, and Llama 3 / Qwen2 tokenizer.json files, use). Token counting caches BPE lengths by the
 * raw words this returns, so repeated words in source code cost one Map lookup instead of a byte-level
 * re-encoding. Returns undefined for configurations it does not reproduce exactly (the caller then uses
 * the library's full encode).
 */

type Config = { type?: string; pretokenizers?: Config[]; pattern?: { Regex?: string }; behavior?: string; invert?: boolean; use_regex?: boolean; add_prefix_space?: boolean };

/** Escapes we translate with Oniguruma's meaning; any other escape makes us bail out. */
const SAFE_PATTERN = /^(?:[^\\(]|\\[sSrnpPt]|\\\\|\\['"\-\[\]{}()?+*.|^$]|\((?:\?[:!=])?)*$/;

function toJsRegex(onig: string): RegExp | undefined {
  if (!SAFE_PATTERN.test(onig)) return undefined;
  // Oniguruma's \s is Unicode White_Space (JS \s adds U+FEFF and misses U+0085).
  const js = onig.replace(/\\\\|\\s|\\S/g, (m) => (m === '\\s' ? '\\p{White_Space}' : m === '\\S' ? '\\P{White_Space}' : m));
  try {
    return new RegExp(js, 'gu');
  } catch {
    return undefined;
  }
}

/** Splits text keeping both matches and the text between them (HF's "Isolated" behaviour). */
function isolatedSplit(text: string, re: RegExp, out: string[]): void {
  let prev = 0;
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > prev) out.push(text.slice(prev, m.index));
    if (m[0].length > 0) out.push(m[0]);
    prev = m.index! + m[0].length;
  }
  if (prev < text.length) out.push(text.slice(prev));
}

export type WordSplitter = (text: string) => string[];

export function makeWordSplitter(preTokenizer: unknown): WordSplitter | undefined {
  const cfg = preTokenizer as Config | null;
  if (!cfg) return undefined;
  const steps = cfg.type === 'Sequence' ? cfg.pretokenizers ?? [] : [cfg];
  const last = steps[steps.length - 1];
  if (!last || last.type !== 'ByteLevel' || last.use_regex !== false || last.add_prefix_space) return undefined;
  const regexes: RegExp[] = [];
  for (const s of steps.slice(0, -1)) {
    if (s.type !== 'Split' || s.invert || (s.behavior ?? '').toLowerCase() !== 'isolated' || !s.pattern?.Regex) return undefined;
    const re = toJsRegex(s.pattern.Regex);
    if (!re) return undefined;
    regexes.push(re);
  }
  return (text: string) => {
    let pieces = [text];
    for (const re of regexes) {
      const next: string[] = [];
      for (const p of pieces) isolatedSplit(p, re, next);
      pieces = next;
    }
    return pieces;
  };
}
