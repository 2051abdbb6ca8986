// The lexical pass that blanks definition-free bodies before tree-sitter parses a file: what it blanks, what it
// must keep (anything that may hold a definition), the references and imports it counts, and the files it gives up
// on. Line numbers must never move: every blanked body keeps its newlines. Both scanners: the native one (when the
// addon is built) and the JavaScript fallback.
import * as assert from 'assert';
import { codeSkeleton as nativeOrScript, codeSkeletonInScript } from '../../../server/index/codeSkeleton';
import { unpackRefs } from '../../../server/index/fileRecord';
import { nativeIndexing } from '../../../server/index/nativeIndexing';

function lines(text: string): number { return text.split('\n').length; }

const scanners = [{ name: 'JavaScript', scan: codeSkeletonInScript }, ...(nativeIndexing() ? [{ name: 'native', scan: nativeOrScript }] : [])];

for (const { name, scan: codeSkeleton } of scanners) describe(`index: code skeleton (${name})`, () => {
  it('C: blanks function bodies to their newlines and keeps every line where it was', () => {
    const src = 'static int add(int a, int b)\n{\n  int s = a + b; /* { */\n  return s;\n}\n\nvoid f(void) { g("}"); }\n';
    const s = codeSkeleton(src, 'c')!;
    assert.strictEqual(s.text, 'static int add(int a, int b)\n{\n\n\n}\n\nvoid f(void) {}\n');
    assert.strictEqual(lines(s.text), lines(src));
    assert.ok(s.blanked > 0);
  });

  it('C: keeps bodies that define something (a struct, a macro) and never blanks a #define', () => {
    const src = 'void f(void) {\n  struct point { int x; } p;\n}\nvoid g(void) {\n#define TWICE(x) ((x) * 2)\n  h();\n}\n#define BLOCK(x) { \\\n  run(x); \\\n}\n';
    const s = codeSkeleton(src, 'c')!;
    assert.strictEqual(s.text, src);
  });

  it('C: blanks initialiser tables, and counts identifiers outside comments, strings and keywords', () => {
    const src = 'static const int table[] = {\n  ONE, TWO,\n};\nint use(void) { return lookup(table, "not_an_id"); } // comment_word\n';
    const s = codeSkeleton(src, 'c')!;
    assert.strictEqual(s.text, 'static const int table[] = {\n\n};\nint use(void) {} // comment_word\n');
    const identifiers = unpackRefs(s.identifiers);
    assert.deepStrictEqual(Object.keys(identifiers).sort(), ['ONE', 'TWO', 'lookup', 'table', 'use']);
    assert.strictEqual(identifiers.table, 2);
  });

  it('C: a header is C++ only when its code (not its comments or variable names) says so', () => {
    assert.strictEqual(codeSkeleton('/* std::vector */\nstruct repo { char *namespace; int public; };\n', 'c')!.cpp, false);
    assert.strictEqual(codeSkeleton('namespace io { int f(); }\n', 'c')!.cpp, true);
    assert.strictEqual(codeSkeleton('int A::size() const { return n; }\n', 'c')!.cpp, true);
    assert.strictEqual(codeSkeleton('template <typename T> T id(T x) { return x; }\n', 'c')!.cpp, true);
  });

  it('C++: a body after a qualifier or an initialiser list is blanked', () => {
    const s = codeSkeleton('int A::size() const {\n  return n;\n}\nA::A() : n(0) {\n  init();\n}\n', 'c')!;
    assert.strictEqual(s.text, 'int A::size() const {\n\n}\nA::A() : n(0) {\n\n}\n');
  });

  it('gives up on what it cannot follow: unbalanced braces, unterminated comments', () => {
    assert.strictEqual(codeSkeleton('int f(int a) {\n  if (a) {\n  return 0;\n}\n', 'c'), undefined);
    assert.strictEqual(codeSkeleton('int f(void) { /* never closed\n', 'c'), undefined);
  });

  it('C: a one-line `extern` declaration is blanked (it defines nothing); its identifiers still count', () => {
    const src = '#ifdef A\nextern __typeof (f) f __attribute((alias("f_alias")));\n#endif\n  extern int g(int);  \nextern "C" {\nint h(void);\n}\nextern struct s { int x; } v;\nextern int k(int a,\n  int b);\nextern int m; /* c */\n';
    const s = codeSkeleton(src, 'c')!;
    assert.strictEqual(s.text, '#ifdef A\n\n#endif\n    \nextern "C" {\nint h(void);\n}\nextern struct s { int x; } v;\nextern int k(int a,\n  int b);\nextern int m; /* c */\n');
    assert.strictEqual(unpackRefs(s.identifiers).__typeof, 1);
    assert.strictEqual(unpackRefs(s.identifiers).__attribute, 1);
  });

  it('C: #if branches that open braces differently are read as one configuration, their body kept whole', () => {
    // Followed together the branches do not balance, so the file is read again: the first branch opens a body, the
    // #else branch is read without its braces, and the body goes to the parser as written (with both branches); the
    // next function is blanked as usual.
    const header = '#ifdef A\nint f(int a) {\n#else\nint f(void) {\n#endif\n  return 0;\n}\nint g(void) {\n  return 1;\n}\n';
    assert.strictEqual(codeSkeleton(header, 'c')!.text, header.replace('{\n  return 1;\n}', '{\n\n}'));
    const inside = 'void f(void) {\n#ifdef X\n  if (a) {\n#else\n  if (b) {\n#endif\n    run();\n  }\n}\nvoid g(void) {\n  h();\n}\n';
    const s = codeSkeleton(inside, 'c')!;
    assert.strictEqual(s.text, inside.replace('{\n  h();\n}', '{\n\n}'));
    assert.deepStrictEqual(Object.keys(unpackRefs(s.identifiers)).sort(), ['run']);   // X, a, b, f, g, h: one letter
    // Branches that balance when followed together are followed together.
    assert.strictEqual(codeSkeleton('int f(void) {\n#ifdef X\n  a();\n#else\n  b();\n#endif\n}\n', 'c')!.text, 'int f(void) {\n\n\n\n\n\n}\n');
  });

  it('C: an #if 0 branch (often no longer balanced) is read without its braces; its #else is followed', () => {
    const src = '#if 0\nint broken(void) {\n  call(1;\n#else\nint live(void) {\n  return 2;\n}\n#endif\n';
    assert.strictEqual(codeSkeleton(src, 'c')!.text, '#if 0\nint broken(void) {\n  call(1;\n#else\nint live(void) {\n\n}\n#endif\n');
    // `#endif` inside a line is text, not a directive: the #if 0 lasts until the #endif that starts a line.
    const text = '#if 0\nout(x junk: Unmatched #endif\n;\nint g(void) {\n  return 1;\n}\n#endif\nint h(void) {\n  return 2;\n}\n';
    assert.strictEqual(codeSkeleton(text, 'c')!.text, text.replace('{\n  return 2;\n}', '{\n\n}'));
    // `#if 0x10` is not `#if 0`; and code that is compiled still has to balance.
    assert.strictEqual(codeSkeleton('#if 0x10\nint f(void) {\n  return (1;\n}\n#endif\n', 'c'), undefined);
    // In that second reading a function declared with a macro call before its name keeps its body (tree-sitter
    // recovers from the declaration through it); in a file the first reading follows it is blanked as any other.
    const attributed = 'static void ATTR(4,0)\nwarn(int a)\n{\n  log(a);\n}\nint g(void) {\n  return 1;\n}\n';
    assert.strictEqual(codeSkeleton('#if 0\n(\n#endif\n' + attributed, 'c')!.text, '#if 0\n(\n#endif\n' + attributed.replace('{\n  return 1;\n}', '{\n\n}'));
    assert.strictEqual(codeSkeleton(attributed, 'c')!.text, 'static void ATTR(4,0)\nwarn(int a)\n{\n\n}\nint g(void) {\n\n}\n');
    // A file that balances with every branch followed is read that way, #if 0 included.
    assert.strictEqual(codeSkeleton('#if 0\nint f(void) {\n  return 1;\n}\n#endif\n', 'c')!.text, '#if 0\nint f(void) {\n\n}\n#endif\n');
  });

  it('JavaScript: blanks bodies of callbacks and statements, keeps bodies with nested definitions', () => {
    const src = [
      'function outer(xs) {',
      '  function inner(x) { return x * 2; }',
      '  return xs.map(inner);',
      '}',
      'function plain(xs) {',
      '  xs.forEach((x) => { console.log(x); });',
      '  if (xs.length) { return xs[0]; }',
      '}',
      'const arrow = (a) => {',
      '  const helper = (b) => b + 1;',
      '  return helper(a);',
      '};',
      '',
    ].join('\n');
    const s = codeSkeleton(src, 'js')!;
    const out = s.text.split('\n');
    assert.strictEqual(out[1], '  function inner() {}', 'the nested function stays, its own body goes (and its parameters)');
    assert.strictEqual(out[4], 'function plain() {');
    assert.strictEqual(out[5], '');
    assert.strictEqual(out[9], '  const helper = (b) => b + 1;', 'a body holding `const f = () =>` stays');
    assert.strictEqual(lines(s.text), lines(src));
  });

  it('JavaScript: an object literal with a method shorthand keeps its enclosing body', () => {
    const src = 'function make() {\n  return {\n    get(key) { return key; },\n  };\n}\n';
    const s = codeSkeleton(src, 'js')!;
    assert.strictEqual(s.text, 'function make() {\n  return {\n    get(key) {},\n  };\n}\n');
  });

  it('JavaScript: regular expressions, template literals and strings with braces and quotes', () => {
    const src = "function f(s) {\n  const re = /[{'\"]/g;\n  return `${s.replace(re, '}')} ${ { a: 1 }.a }` + \"{\";\n}\nfunction g() { return 1 / 2 / 3; }\n";
    const s = codeSkeleton(src, 'js')!;
    assert.strictEqual(s.text, 'function f() {\n\n\n}\nfunction g() {}\n');
  });

  it('JavaScript: counts require(), import and export specifiers, including those inside blanked bodies', () => {
    const src = "import a from './a';\nimport './side';\nexport * from './b';\nfunction load() {\n  return require('./lazy');\n}\n";
    const s = codeSkeleton(src, 'js')!;
    assert.deepStrictEqual(s.imports, ['./a', './side', './b', './lazy']);
    assert.ok(s.text.includes('function load() {\n\n}'));
  });

  it('JavaScript/TypeScript: top-level import, `export ... from` and `require` statements are blanked whole, their specifiers still counted', () => {
    const src = [
      "import a, { b, c as d } from './a'; // one",
      "import * as ns from './ns';",
      "import './side';",
      "export * from './b';",
      "export * as all from './all';",
      "export { e, f as default } from './e';",
      "const g = require('./g');",
      "const { h, i: j } = require('./h').member;",
      "import k from './k'",
      "const l = require('./l'), m = function () {};",
      "export const n = require('./n');",
      "export { o };",
      "function p() { const q = require('./q'); }",
      'const r = 1;',
      '',
    ].join('\n');
    for (const family of ['js', 'ts'] as const) {
      const s = codeSkeleton(src, family)!;
      assert.deepStrictEqual(s.text.split('\n'), [
        '  ', '', '', '', '', '', '', '',   // the first line's comment is blanked to a space
        "import k from './k'",   // no `;`: kept
        "const l = require(), m = function () {};",   // an argument list of literals is blanked (see the next test)
        "export const n = require();",
        'export { o };',
        'function p() {}',
        'const r = 1;',
        '',
      ], family);
      assert.deepStrictEqual(s.imports, ['./a', './ns', './side', './b', './all', './e', './g', './h', './k', './l', './n', './q'], family);
      assert.ok(s.identifiers.names.split('\n').includes('ns'), 'identifiers in a blanked statement still count');
    }
    // TypeScript type-only forms; an `export type` alias is a definition and stays.
    const ts = codeSkeleton("import type { T } from './t';\nexport type { U } from './u';\nexport type V = T;\n", 'ts')!;
    assert.strictEqual(ts.text, '\n\nexport type V = T;\n');
  });

  it('TypeScript: a body after a return type is blanked; `x! / y` is a division', () => {
    const src = 'export function size(xs: number[]): Promise<number> {\n  return Promise.resolve(xs.length! / 2);\n}\n';
    const s = codeSkeleton(src, 'ts')!;
    assert.strictEqual(s.text, 'export function size(): Promise<number> {\n\n}\n');
    assert.ok(codeSkeleton('const t = { a(): void; };\ntype T = { m(): void };\n', 'ts')!.text.includes('m(): void'));
  });

  it('JavaScript files with JSX are left to the parser; TypeScript casts are not JSX', () => {
    assert.strictEqual(codeSkeleton('function App() {\n  return <div>{x}</div>;\n}\n', 'js'), undefined);
    assert.ok(codeSkeleton('function f(x: unknown) {\n  return <string>x;\n}\n', 'ts'));
    // Shifts and a comparison after a postfix increment are not JSX.
    assert.ok(codeSkeleton('function f(a, i, n) {\n  return (1<<a) + (i++<n) + (i--<n);\n}\n', 'js'));
  });

  it('JavaScript: comments are blanked to their newlines (one space where they hold none), but not in a computed name', () => {
    const src = '/**\n * Doc.\n */\nexport class A {\n  // note\n  [x /* y */ + z]() {}\n  m(a/* b */, c) {}\n}\nconst n = a/**/b;\n';
    const s = codeSkeleton(src, 'js')!;
    assert.strictEqual(s.text, '\n\n\nexport class A {\n   \n  [x /* y */ + z]() {}\n  m() {}\n}\nconst n = a b;\n');
    assert.strictEqual(lines(s.text), lines(src));
  });

  it('JavaScript: object literals that define nothing are blanked; a string-named method keeps its object', () => {
    const src = 'module.exports = {\n  create(context) {\n    const opts = Object.assign({\n      a: 1,\n    }, [{ b: 2 }]);\n    return {\n      "Program:exit"(node) {\n        report(node);\n      },\n    };\n  },\n};\n';
    const s = codeSkeleton(src, 'js')!;
    assert.strictEqual(s.text, 'module.exports = {\n  create() {\n    const opts = Object.assign(\n\n);\n    return {\n      "Program:exit"(node) {\n\n},\n    };\n  },\n};\n');
    // Not in TypeScript, where `(x: {` and `, {` hold type literals with method signatures.
    assert.ok(codeSkeleton('f({\n  a: 1,\n});\n', 'ts')!.text.includes('a: 1'));
  });

  it('JavaScript: `const x = (` is a definition only when the parenthesis is an arrow function\'s parameters', () => {
    const src = 'function f(a, b, c) {\n  const mu = (a - b) / c;\n  return mu;\n}\nfunction g() {\n  const h = (x) => x;\n}\nfunction k() {\n  const s = (")") + 1;\n}\n';
    const s = codeSkeleton(src, 'js')!;
    // f is blanked; g holds a definition; k cannot be told (a string before the closing parenthesis), so it stays.
    assert.strictEqual(s.text, 'function f() {\n\n\n}\nfunction g() {\n  const h = (x) => x;\n}\nfunction k() {\n  const s = (")") + 1;\n}\n');
    assert.ok(codeSkeleton('function t() {\n  const p = (x: number): number => x;\n}\n', 'ts')!.text.includes('const p'));
  });

  it('TypeScript: an interface body of property signatures is blanked; one with a method signature stays', () => {
    const src = 'export interface Options extends Base<string> {\n  name?: string;\n  run: (x: number) => void;\n}\ninterface Api {\n  get?<T>(key: string): T;\n}\n';
    const s = codeSkeleton(src, 'ts')!;
    assert.strictEqual(s.text, 'export interface Options extends Base<string> {\n\n\n}\ninterface Api {\n  get?<T>(key: string): T;\n}\n');
    assert.ok(codeSkeleton('interface A {\n  "quoted"(): void;\n}\n', 'ts')!.text.includes('"quoted"()'));
    assert.ok(codeSkeleton('interface A {\n  [Symbol.iterator](): void;\n}\n', 'ts')!.text.includes('[Symbol.iterator]()'));
  });

  it('JavaScript/TypeScript: argument and parameter lists that can hold no definition are blanked', () => {
    const src = [
      'function f(a, b = 1, ...rest) {',        // a default value (`=`): kept
      '  g(x, y.z, "s", 1 + 2);',
      '  return h(() => 1);',                    // an arrow function: kept
      '}',
      'class C extends B {',
      '  m(a, { b }) {}',                         // TypeScript: a brace (a type literal may hold a method signature): kept
      '  n(a, b,',
      '    c) { return new D(a, b[0]); }',
      '  constructor(x) { super(x); if (x) call(x); }',
      '}',
      'register(function named(p) {}, `t${x}`);',  // a function body, a template: kept; the inner list goes
      'obj[key(a)]();',                            // inside a computed name: kept
      'use(x, k(y.z), "s");',                      // a nested list that can hold no definition either: all of it
      'use(x, k(() => 1));',                       // JavaScript: a callback that defines nothing goes too; TypeScript: `=` keeps it
      'use(function () { function inner(a) {} });',   // a callback that defines: kept, with its enclosing list
      'use(a.b = 1);',                             // an assignment (a definition): kept
      '',
    ].join('\n');
    for (const family of ['js', 'ts'] as const) {
      const s = codeSkeleton(src, family)!;
      assert.deepStrictEqual(s.text.split('\n'), [
        'function f(a, b = 1, ...rest) {',
        '',
        '',
        '}',
        'class C extends B {',
        family === 'js' ? '  m() {}' : '  m(a, { b }) {}',
        '  n(',
        ') {}',
        '  constructor() {}',
        '}',
        'register(function named() {}, `t${x}`);',
        'obj[key(a)]();',
        'use();',
        family === 'js' ? 'use();' : 'use(x, k(() => 1));',
        'use(function () { function inner() {} });',
        'use(a.b = 1);',
        '',
      ], family);
      assert.strictEqual(lines(s.text), lines(src));
    }
    // TypeScript signatures; `satisfies (` is not a call.
    assert.strictEqual(codeSkeleton('interface I {\n  m(a: string, b?: number): void;\n}\nconst v = x satisfies (A | B);\n', 'ts')!.text,
      'interface I {\n  m(): void;\n}\nconst v = x satisfies (A | B);\n');
  });

  it('JavaScript: each declarator of a `var` list may define a function (minified code), not only the first', () => {
    const src = 'function outer() {\n  var a = 1, f = function () {\n    return a;\n  };\n}\nfunction plain() {\n  var b = 1, c = 2;\n}\n';
    const s = codeSkeleton(src, 'js')!;
    assert.strictEqual(s.text, 'function outer() {\n  var a = 1, f = function () {\n\n};\n}\nfunction plain() {\n\n}\n');
  });
});
