// Lexical terms shared by indexing (chunk term counts for BM25) and ranking (the question's terms), so that
// both sides split identifiers the same way: `loadTokenizer` -> loadtokenizer, load, tokenizer;
// `max_new_tokens` -> max_new_tokens, max, new, tokens.

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;
const NOT_LOWER = /[^a-z]/;
const WORD_PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

/** The lower-case parts of an identifier (camelCase, PascalCase, snake_case, kebab-case, digits). */
export function identifierParts(identifier: string): string[] {
  const parts = identifier.match(WORD_PART);
  return parts ? parts.map((p) => p.toLowerCase()) : [];
}

/** The terms one identifier contributes: itself lower-cased, plus its parts when it has several. */
export function identifierTerms(word: string): string[] {
  const lower = word.toLowerCase();
  if (word === lower && !NOT_LOWER.test(word)) return [lower];   // a plain lower-case word has no parts (most words)
  const parts = identifierParts(word);
  const out = [lower];
  if (parts.length > 1) for (const part of parts) if (part.length >= 2 && part !== lower) out.push(part);
  return out;
}

/**
 * Calls `add` for every term of `text`: each identifier lower-cased, plus its parts when it has several. `memo`
 * (identifier -> its terms) saves splitting the same identifier again: a file repeats its names many times.
 */
export function forEachTerm(text: string, add: (term: string) => void, memo?: Map<string, string[]>): void {
  IDENTIFIER.lastIndex = 0;
  for (let m = IDENTIFIER.exec(text); m; m = IDENTIFIER.exec(text)) {
    const word = m[0];
    if (word.length < 2) continue;
    let terms = memo?.get(word);
    if (!terms) { terms = identifierTerms(word); memo?.set(word, terms); }
    for (let k = 0; k < terms.length; k++) add(terms[k]);
  }
}

/** Term -> count for a piece of text, and the number of terms (the BM25 document length). */
export function termCounts(text: string): { counts: Map<string, number>; length: number } {
  const counts = new Map<string, number>();
  let length = 0;
  forEachTerm(text, (t) => { counts.set(t, (counts.get(t) ?? 0) + 1); length++; });
  return { counts, length };
}

const STOP_WORDS = new Set(('a an and are as at be but by can do does for from has have how i if in into is it its ' +
  'me my not of on or our so that the their then there these this to was we what when where which while who why ' +
  'will with you your code file files function functions method class work works used use using about explain ' +
  'show tell find please should would could done happen happens happened implemented defined handled called ' +
  'computed made').split(' '));

/** The question's search terms, without stop words, in first-seen order. */
export function questionTerms(question: string): string[] {
  const seen = new Set<string>();
  forEachTerm(question, (t) => { if (!STOP_WORDS.has(t)) seen.add(t); });
  return [...seen];
}

/** Identifiers as written in the question (for exact symbol-name matches), without stop words. */
export function questionIdentifiers(question: string): string[] {
  const out = new Set<string>();
  IDENTIFIER.lastIndex = 0;
  for (let m = IDENTIFIER.exec(question); m; m = IDENTIFIER.exec(question)) {
    if (m[0].length >= 2 && !STOP_WORDS.has(m[0].toLowerCase())) out.add(m[0]);
  }
  return [...out];
}
