import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CORPORA, evalCacheDir } from '../../../test/eval/corpora';
import { QUESTIONS, EvalQuestion } from '../../../test/eval/questions';
import { PROBE_FILE } from '../../../test/eval/probes';
import { lineOfMatch } from '../../../test/eval/scoring';

/** The cached corpus root, or undefined where `npm run eval` has not fetched it yet (no network in unit tests). */
function cachedRoot(name: EvalQuestion['corpus']): string | undefined {
  const spec = CORPORA.find((c) => c.name === name)!;
  const dir = path.join(evalCacheDir(), `${spec.name}-${spec.version}`);
  return fs.existsSync(path.join(dir, '.complete')) ? path.join(dir, spec.folder) : undefined;
}

/** How many times the pattern matches in the text (every match, not only the first that the eval scores). */
function matchCount(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, pattern.flags.replace('g', '') + 'g'))].length;
}

/** Source files of a corpus's package, where a definition question's name must be defined once. */
function packageFiles(root: string, corpus: EvalQuestion['corpus']): string[] {
  const top = corpus === 'flask' ? 'src/flask' : 'lib';
  const ext = corpus === 'flask' ? '.py' : '.js';
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith(ext)) out.push(r);
    }
  };
  walk(top);
  return out;
}

/**
 * Lines that define `name`: a Python def, class or module-level assignment, or a JavaScript function, top-level var,
 * method assignment or request getter.
 */
function definitionLines(text: string, name: string, corpus: EvalQuestion['corpus']): number {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = corpus === 'flask'
    ? new RegExp(`^(?:\\s*(?:async\\s+)?(?:def|class)\\s+${n}\\b|${n}\\s*(?::[^=\\n]+)?=[^=])`, 'gm')
    : new RegExp(`^(?:function ${n}\\s*\\(|var ${n} = (?!require\\()|[\\w.]+\\.${n} = function\\b|.*= function ${n}\\s*\\(|defineGetter\\(req, '${n}')`, 'gm');
  return [...text.matchAll(re)].length;
}

/** Names defined in two places of a package that a question of the first set asks for with its file's context. */
const KNOWN_TWO_PLACE_NAMES = new Set(['url_for']);

describe('eval questions', () => {
  it('have unique ids, one of the known kinds and corpora, and something to expect', () => {
    const ids = QUESTIONS.map((q) => q.id);
    assert.deepStrictEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'duplicate ids');
    for (const q of QUESTIONS) {
      assert.ok(['definition', 'caller', 'config', 'constant'].includes(q.kind), `${q.id}: kind ${q.kind}`);
      assert.ok(CORPORA.some((c) => c.name === q.corpus), `${q.id}: corpus ${q.corpus}`);
      assert.ok(q.id.startsWith(q.corpus === 'flask' ? 'f-' : 'e-'), `${q.id}: the id names its corpus`);
      const expect = Array.isArray(q.expect) ? q.expect : [q.expect];
      assert.ok(expect.length > 0 && expect.every((e) => e.trim().length > 0), `${q.id}: empty expect`);
      assert.ok(q.question.trim().endsWith('?'), `${q.id}: a question ends with a question mark`);
      assert.notStrictEqual(q.file, PROBE_FILE, `${q.id}: the probe's planted file is not part of a corpus`);
    }
    const questions = new Set(QUESTIONS.map((q) => q.question.toLowerCase()));
    assert.strictEqual(questions.size, QUESTIONS.length, 'the same question asked twice');
    assert.ok(QUESTIONS.length >= 110, `${QUESTIONS.length} questions: one answer must be worth under one point`);
  });

  for (const corpus of CORPORA.map((c) => c.name)) {
    it(`find exactly one answer line in a file of ${corpus} that exists`, function () {
      const root = cachedRoot(corpus);
      if (!root) {
        console.log(`      skipped: ${corpus} is not cached under ${evalCacheDir()} (EVAL_RETRIEVAL_ONLY=1 npm run eval fetches it)`);
        this.skip();
      }
      const sources = packageFiles(root!, corpus).map((f) => fs.readFileSync(path.join(root!, f), 'utf8'));
      const problems: string[] = [];
      for (const q of QUESTIONS.filter((x) => x.corpus === corpus)) {
        const file = path.join(root!, q.file);
        if (!fs.existsSync(file)) { problems.push(`${q.id}: ${q.file} does not exist`); continue; }
        const text = fs.readFileSync(file, 'utf8');
        const count = matchCount(text, q.pattern);
        if (count !== 1) { problems.push(`${q.id}: ${q.pattern} matches ${count} times in ${q.file}`); continue; }
        const line = text.split('\n')[lineOfMatch(text, q.pattern)! - 1];
        // A pattern like /^\s+x/m can start its match on the blank line before the answer.
        if (!line.trim()) { problems.push(`${q.id}: ${q.pattern} starts on a blank line of ${q.file}`); continue; }
        if (q.kind === 'definition') {
          const name = q.expect as string;
          if (!line.includes(name)) problems.push(`${q.id}: the answer line does not name ${name}: ${line.trim()}`);
          const defs = sources.reduce((n, s) => n + definitionLines(s, name, corpus), 0);
          if (defs !== 1 && !KNOWN_TWO_PLACE_NAMES.has(name)) problems.push(`${q.id}: ${name} is defined ${defs} times in the package`);
        }
      }
      assert.deepStrictEqual(problems, []);
    });
  }

  it('a pattern that matches twice or names an undefined line is caught', () => {
    assert.strictEqual(matchCount('a = 1\nb = 1\n', /= 1/), 2);
    assert.strictEqual(matchCount('def x():\n', /^def x\(/m), 1);
    assert.strictEqual(definitionLines('def f():\n    def f():\nclass F:\n', 'f', 'flask'), 2);
    assert.strictEqual(definitionLines('g: G = LocalProxy(x)\nif g == 1:\n    g = 2\n', 'g', 'flask'), 1);
    assert.strictEqual(definitionLines("res.send = function send(body) {\nfunction send(x) {}\ndefineGetter(req, 'ip', f)\n", 'send', 'express'), 2);
    assert.strictEqual(definitionLines("defineGetter(req, 'ip', function ip(){\n", 'ip', 'express'), 1);
    assert.strictEqual(definitionLines("var Route = require('./route');\nfunction Route(path) {}\n", 'Route', 'express'), 1, 'an import is no definition');
    assert.strictEqual(definitionLines('module.exports = function query(options) {\n  return function query(req) {}\n', 'query', 'express'), 1);
  });
});
