// Shared by the context tests: a deterministic stand-in for the model's tokenizer (words, single punctuation
// characters and whitespace runs are one token each, with character spans like a real tokenizer's offsets), and
// golden-file comparison. UPDATE_GOLDEN=1 rewrites the golden files; review the diff by hand before committing.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const TOKEN = /[A-Za-z0-9_]+|[^\sA-Za-z0-9_]|\s+/g;

export function countTokens(text: string): number {
  return text.match(TOKEN)?.length ?? 0;
}

/** Token char spans of `text`, 2 per token, as the engine's tokenizer reports them. */
export function tokenSpans(text: string): Int32Array {
  const spans: number[] = [];
  for (const m of text.matchAll(TOKEN)) spans.push(m.index!, m.index! + m[0].length);
  return Int32Array.from(spans);
}

const GOLDEN = path.join(__dirname, 'golden');

export function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') { fs.mkdirSync(GOLDEN, { recursive: true }); fs.writeFileSync(file, actual); return; }
  assert.ok(fs.existsSync(file), `Golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it.`);
  assert.strictEqual(actual, fs.readFileSync(file, 'utf8'), `Output differs from ${file}`);
}
