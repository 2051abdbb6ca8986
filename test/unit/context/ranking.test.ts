// Ranking on its own: personalised PageRank on a hand-made graph, question-term splitting, and the combined
// ranking on the shop fixture (what a question names, and what that code depends on, outrank unrelated code).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { personalisedPageRank } from '../../../server/context/pageRank';
import { rankChunks } from '../../../server/context/rankChunks';
import { RepoIndex } from '../../../server/index/repoIndex';
import { questionIdentifiers, questionTerms } from '../../../server/index/terms';
import { FIXTURES } from '../index/indexTestSupport';

describe('context: ranking', () => {
  it('personalised PageRank flows from the seed along edges and not to unrelated files', () => {
    // a -> b -> c, d isolated; seed a.
    const graph = { files: ['a', 'b', 'c', 'd'], index: new Map(), targets: [Int32Array.of(1), Int32Array.of(2), Int32Array.of(), Int32Array.of()],
      weights: [Float64Array.of(1), Float64Array.of(1), Float64Array.of(), Float64Array.of()] };
    const pr = personalisedPageRank(graph, new Map([['a', 1]]));
    assert.ok(pr.get('a')! > pr.get('b')! && pr.get('b')! > pr.get('c')!, JSON.stringify([...pr]));
    assert.strictEqual(pr.get('d') ?? 0, 0);
    const total = [...pr.values()].reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(total - 1) < 1e-6, `ranks sum to ${total}`);
    const plain = personalisedPageRank(graph, new Map());   // no seeds: every file can be reached by a jump
    assert.ok(plain.get('d')! > 0 && plain.get('c')! > plain.get('d')!);
  });

  it('question terms split identifiers and drop stop words', () => {
    assert.deepStrictEqual(questionTerms('How does loadTokenizer read max_new_tokens?'),
      ['loadtokenizer', 'load', 'tokenizer', 'read', 'max_new_tokens', 'max', 'new', 'tokens']);
    assert.deepStrictEqual(questionIdentifiers('Where is the HTTPServer started?'), ['HTTPServer', 'started']);
  });

  describe('on the shop fixture', () => {
    let index: RepoIndex;
    before(async () => { index = await RepoIndex.build(path.join(FIXTURES, 'shop'), { cacheDir: null }); });
    after(() => index?.dispose());
    const rankOf = (ranked: ReturnType<typeof rankChunks>, name: string) => ranked.findIndex((r) => r.name === name);

    it('the definition a question names comes first, what it calls follows, unrelated code trails', () => {
      const ranked = rankChunks(index, { question: 'What does receipt return?' });
      const order = ranked.map((r) => `${r.name ?? r.kind}:${r.score.toFixed(2)}`).join(' ');
      assert.strictEqual(ranked[0].name, 'receipt');
      assert.strictEqual(ranked[1].name, 'total', order);   // receipt calls cart.total()
      const inventory = rankOf(ranked, 'Inventory');
      assert.ok(rankOf(ranked, 'Cart') >= 0 && (inventory < 0 || rankOf(ranked, 'Cart') < inventory), order);
    });

    it('the active file seeds the walk when the question names nothing', () => {
      const ranked = rankChunks(index, { question: 'what happens here?', activeFile: 'src/inventory.ts' });
      assert.strictEqual(ranked[0].file, 'src/inventory.ts');
    });

    it('a selection pulls in the definitions its identifiers name', () => {
      const ranked = rankChunks(index, { question: 'explain this', activeFile: 'src/cart.ts', selection: { startLine: 23, endLine: 24 } });
      const top = ranked.slice(0, 8).map((r) => r.name);
      assert.ok(top.includes('priceOf') && top.includes('applyDiscount'), top.join(' '));
    });
  });

  describe('members, quoted settings and keys spelled as code', () => {
    let root: string;
    let index: RepoIndex;
    before(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-rank-'));
      const write = (rel: string, lines: string[]) => {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), lines.join('\n') + '\n');
      };
      write('lib/request.js', [
        'var req = Object.create(null);',
        '/** Whether the body is of one of the types; is it? It is when the header says so. */',
        'req.is = function is(types) {',
        '  return typeIs(this, types);',
        '};',
        '/** The request header: it is what the client sent, is it not? */',
        'req.header = function header(name) {',
        '  return this.headers[name.toLowerCase()];',
        '};',
        '',
        '',
        'defineGetter(req, "ips", function ips() {',
        '  return proxyaddr.all(this);',
        '});',
      ]);
      write('lib/utils.js', [
        'exports.weakHash = function weakHash(body) {',
        '  var etag = hash(body); // the default etag: weak, whatever the etag setting, as the default etag is',
        '  return "W/" + etag;',
        '};',
      ]);
      write('lib/router.js', [
        '/** Routes all methods: all of them, for all paths; all is all. */',
        'proto.all = function all(path) {',
        '  return this.route(path);',
        '};',
      ]);
      write('lib/application.js', [
        'var app = exports = module.exports = {};',
        'app.defaultConfiguration = function defaultConfiguration() {',
        "  this.set('etag', 'weak');",
        "  this.set('query parser', 'extended');",
        '};',
        'app.compileQueryParser = function compileQueryParser(parser) {',
        '  // a parser for the query string: the default parser parses each query, this setting picks the parser',
        "  return typeof parser === 'function' ? parser : parseQuery;",
        '};',
      ]);
      write('flaskish/app.py', [
        'class App:',
        '    default_config = {',
        '        "DEBUG": None,',
        '        "MAX_COOKIE_SIZE": 4093,',
        '    }',
        '',
        '    def cookie_size(self, max_size, size):',
        '        # The default max cookie size: a cookie has at most max_cookie_size bytes, the default max size.',
        '        return min(max_size, size)',
      ]);
      index = await RepoIndex.build(root, { cacheDir: null });
    });
    after(() => { index?.dispose(); fs.rmSync(root, { recursive: true, force: true }); });
    const order = (ranked: ReturnType<typeof rankChunks>) => ranked.map((r) => `${r.file}:${r.name ?? r.kind}:${r.score.toFixed(2)}`).join(' ');

    it('`req.is` names the definition assigned to req.is, though "is" is a plain word', () => {
      const ranked = rankChunks(index, { question: 'Where is req.is, which checks the type of the body, defined?' });
      assert.strictEqual(ranked[0].name, 'is', order(ranked));
      assert.strictEqual(ranked[0].file, 'lib/request.js');
    });

    it('a member written with its object ranks the line that calls it above a definition of the member name', () => {
      const ranked = rankChunks(index, { question: 'Which getter calls proxyaddr.all?' });
      assert.deepStrictEqual([ranked[0].file, ranked[0].startLine <= 13 && ranked[0].endLine >= 13], ['lib/request.js', true], order(ranked));
    });

    it('a quoted setting ranks the code that writes it above code that only uses its words', () => {
      const ranked = rankChunks(index, { question: "What is the default 'query parser' setting?" });
      const best = ranked.findIndex((r) => r.name === 'defaultConfiguration');
      const words = ranked.findIndex((r) => r.name === 'compileQueryParser');
      assert.ok(best >= 0 && (words < 0 || best < words), order(ranked));
    });

    it("a quoted word ranks the string it quotes above code that uses the word as a name ('etag', not etag)", () => {
      const ranked = rankChunks(index, { question: "What is the default 'etag' setting?" });
      const best = ranked.findIndex((r) => r.name === 'defaultConfiguration');
      const fn = ranked.findIndex((r) => r.name === 'weakHash');
      assert.ok(best >= 0 && (fn < 0 || best < fn), order(ranked));
    });

    it('a key spelled as code (MAX_COOKIE_SIZE) ranks the line that sets it above a function made of its words', () => {
      const ranked = rankChunks(index, { question: 'What is the default MAX_COOKIE_SIZE?' });
      const best = ranked.findIndex((r) => r.name === 'default_config');
      const words = ranked.findIndex((r) => r.name === 'cookie_size');
      assert.ok(best >= 0 && (words < 0 || best < words), order(ranked));
    });
  });

  describe('plain words against code names', () => {
    let root: string;
    let index: RepoIndex;
    before(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-rank-'));
      fs.mkdirSync(path.join(root, 'src'));
      fs.writeFileSync(path.join(root, 'src', 'block_selection.ts'),
        'export function selectRow(scores: number[], tau: number): number[] {\n  const kept: number[] = [];\n' +
        '  let share = 0;\n  for (const [i, s] of scores.entries()) { if (share >= tau) break; kept.push(i); share += s; }\n' +
        '  return kept;\n}\n');
      fs.writeFileSync(path.join(root, 'src', 'answers.ts'),
        'export class Answers {\n  selection = 0;\n  done(): boolean { return this.selection > 0; }\n' +
        '  render(): string { return `selection ${this.selection}`; }\n}\n');
      index = await RepoIndex.build(root, { cacheDir: null });
    });
    after(() => { index?.dispose(); fs.rmSync(root, { recursive: true, force: true }); });

    it('two words that spell a file name beat a field named by one plain word, and "done" is not a name', () => {
      const ranked = rankChunks(index, { question: 'Where is the block selection done, and how is tau used?' });
      const order = ranked.map((r) => `${r.file}:${r.name ?? r.kind}:${r.score.toFixed(2)}`).join(' ');
      const best = ranked.find((r) => r.kind === 'definition');
      assert.strictEqual(best?.name, 'selectRow', order);
      const done = ranked.find((r) => r.name === 'done');
      assert.ok(!done || done.score < best!.score / 2, order);
    });
  });
});
