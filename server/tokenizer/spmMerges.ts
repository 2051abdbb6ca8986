/**
 * SentencePiece vocabularies (GGUF tokenizer.ggml.model = 'llama': Llama 2, CodeLlama, Mistral) carry a
 * score per piece instead of BPE merges. llama.cpp's SPM tokenizer repeatedly joins the adjacent pair whose
 * concatenation is a piece with the highest score; that is BPE with every such pair as a merge, ranked by
 * the joined piece's score. This derives that merge list (as Hugging Face's converter does).
 */

export function mergesFromScores(tokens: string[], scores: number[], isNormal: (id: number) => boolean): [string, string][] {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => { if (isNormal(i)) ids.set(t, i); });
  const merges: { a: string; b: string; score: number; ia: number; ib: number }[] = [];
  for (const [piece, id] of ids) {
    const chars = Array.from(piece); // split by code point, never inside a surrogate pair
    if (chars.length < 2) continue;
    for (let k = 1; k < chars.length; k++) {
      const a = chars.slice(0, k).join('');
      const b = chars.slice(k).join('');
      const ia = ids.get(a);
      const ib = ids.get(b);
      if (ia !== undefined && ib !== undefined) merges.push({ a, b, score: scores[id] ?? 0, ia, ib });
    }
  }
  merges.sort((x, y) => y.score - x.score || x.ia - y.ia || x.ib - y.ib);
  return merges.map((m) => [m.a, m.b]);
}
