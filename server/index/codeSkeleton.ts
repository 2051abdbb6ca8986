// A fast lexical pass over C-family and JavaScript/TypeScript source, before tree-sitter sees it. It finds the
// function bodies that hold no definition (most of a file's bytes) and blanks their contents to the newlines, so the
// wasm parser skips what ranking never uses from the tree: parsing is about five times faster, and every line
// number stays where it was. JavaScript/TypeScript comments are blanked the same way (the queries never look at
// them; in C they stay, since tree-sitter's recovery from macro-laden declarations leans on everything around them).
// The same pass counts the identifiers written as code (outside comments and strings;
// the references) and, for JavaScript/TypeScript, the module specifiers of `import ... from`, `export ... from`,
// `import '...'` and `require('...')`, including those inside the blanked bodies.
//
// It errs on the side of parsing more: any body that might hold a definition (a nested function, class, struct,
// macro, method shorthand, `const f = () => ...`) is kept, and a file the scanner cannot follow (unbalanced braces,
// an unterminated string, comment or regular expression, JSX in a .js file) gets no skeleton: the caller parses it
// whole. A C file whose braces balance only in one configuration of its #if branches is read a second time that way
// (see Conditional) before it is given up on.

import { packRefs, type PackedRefs } from './fileRecord';
import { nativeIndexing } from './nativeIndexing';

/** 'js' may hold JSX (the scanner then gives up on the file); 'ts' (.ts, never JSX) may not. */
export type SkeletonFamily = 'c' | 'js' | 'ts';

export interface CodeSkeleton {
  /** The text with definition-free bodies blanked (same length in lines, every line where it was). */
  text: string;
  /** Identifiers and their uses outside comments and strings (keywords left out), first seen first. */
  identifiers: PackedRefs;
  /** Module specifiers in source order (JavaScript/TypeScript only; C keeps its #include query). */
  imports: string[];
  /** Characters blanked. */
  blanked: number;
  /** C family: C++-only syntax seen in code (`class`, `namespace`, `template`, `::`, ...); a header without it is C. */
  cpp: boolean;
}

const C_KEYWORDS = new Set(('auto break case char const continue default do double else enum extern float for goto if ' +
  'inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void ' +
  'volatile while bool true false NULL nullptr class namespace template typename public private protected virtual ' +
  'override final operator new delete this throw try catch using friend explicit mutable noexcept constexpr decltype ' +
  'include define undef ifdef ifndef endif elif pragma error line defined').split(' '));
const JS_KEYWORDS = new Set(('break case catch class const continue debugger default delete do else export extends ' +
  'finally for function if import in instanceof let new return super switch this throw try typeof var void while with ' +
  'yield async await of static get set true false null undefined from as interface type enum implements declare ' +
  'readonly abstract public private protected namespace module keyof infer is').split(' '));
/** Words after which `(...) {` is a statement, not a method shorthand. */
const JS_STATEMENT_WORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'function', 'return', 'typeof', 'await', 'yield', 'new', 'in', 'of', 'do', 'else', 'void', 'delete', 'throw', 'case']);
/** After these words a `/` starts a regular expression, not a division. */
const JS_REGEX_AFTER_WORDS = new Set(['return', 'typeof', 'case', 'in', 'of', 'new', 'delete', 'void', 'throw', 'else', 'do', 'yield', 'await', 'instanceof']);
/** Words allowed between `)` and a function body's `{` in C++. */
const CPP_QUALIFIERS = new Set(['const', 'override', 'final', 'noexcept', 'volatile', 'mutable']);
const ACCESS = new Set(['public', 'private', 'protected']);
/** Words that start a named definition when another name follows (`struct foo {`, `interface Shape`). */
const C_DEFINING = new Set(['struct', 'union', 'enum', 'class', 'namespace']);
const JS_DEFINING = new Set(['function', 'interface', 'enum', 'namespace', 'module', 'type']);

const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/y;
/** After these characters a `/` starts a regular expression, not a division. */
const REGEX_AFTER = '(,=:[!&|?{};+-*%<>~^';
const TYPE_PUNCTUATION = '.<>[]|&,?';
/** After these characters a JavaScript `{` opens an object literal (or a block, after a `case x:` or a label). */
const OBJECT_BEFORE = '(,:[?';
const DEFINING_VALUE = /^\s*(async\b|function\b|class\b|\(|<|[A-Za-z_$][\w$]*\s*=>)/;

/** C preprocessor words that open, switch and close a conditional (`#if`, `#else`, `#endif`). */
const C_CONDITIONAL_OPEN = new Set(['if', 'ifdef', 'ifndef']);
const C_CONDITIONAL_SWITCH = new Set(['else', 'elif']);

/**
 * An open `#if` (C family), for the second reading of a file whose braces do not balance when every branch is
 * followed: the brace and parenthesis depths where it started. A branch that ends at another depth
 * (`#ifdef X\n if (a) {\n#else\n if (b) {\n#endif`) cannot be followed together with the next one, so the scanner
 * reads the remaining branches without their braces and parentheses, as one configuration of the code (ctags does the
 * same), and keeps the enclosing body unblanked: its text goes to the parser as written. The branch of an `#if 0`
 * (code switched off, often no longer balanced) is read the same way; its `#else` is followed again.
 * In that second reading a function declared with a macro call before its name (`static void ATTR(4,0) name(...) {`,
 * which tree-sitter cannot parse) keeps its body too: tree-sitter recovers from such a declaration through the
 * statements that follow it, and with the bodies blanked its recovery swallowed the functions after it. (Files the
 * first reading follows keep their skeleton as it was: there the same rule lost more definitions than it found.)
 */
interface Conditional { depth: number; parens: number; zero: boolean }
const IF_ZERO = /[ \t]*0(?![\w.])/y;

/**
 * C: where a one-line `extern` declaration that starts at `start` ends (after its `;`), or 0. Such a line declares
 * and defines nothing the queries capture, and headers hold thousands (libxml2's `elfgcchack.h`: 672 KB of
 * `extern __typeof (f) f __attribute((alias(...)));` between #if lines, once the most expensive file of a C code
 * base to parse): the skeleton blanks it. Only a whole line: nothing else before it, a `;` last, its strings
 * closed, and no brace, comment or backslash in it (`extern "C" {`, a struct body, a line that goes on).
 */
function externDeclarationEnd(text: string, start: number): number {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  for (let k = lineStart; k < start; k++) if (text.charCodeAt(k) !== 32 && text.charCodeAt(k) !== 9) return 0;
  let e = text.indexOf('\n', start);
  if (e < 0) e = text.length;
  let last = e - 1;
  while (last > start && (text.charCodeAt(last) === 32 || text.charCodeAt(last) === 9 || text.charCodeAt(last) === 13)) last--;
  if (text.charCodeAt(last) !== 59) return 0;   // ';'
  for (let k = start; k < last; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) {   // a string or character, closed on this line
      for (k++; k < last && text.charCodeAt(k) !== c; k++) if (text.charCodeAt(k) === 92) k++;
      if (k >= last) return 0;
      continue;
    }
    if (c === 123 || c === 125 || c === 92 || (c === 47 && (text.charCodeAt(k + 1) === 42 || text.charCodeAt(k + 1) === 47))) return 0;
  }
  return last + 1;
}

/**
 * Whether the parenthesis at `open` (the value of `const x = (`) is an arrow function's parameter list: its closing
 * `)` is followed by `=>` (or by `:`, a TypeScript return type). `const mu = (a - b) / c` is not. Where a string,
 * template, comment or regular expression comes before the closing parenthesis, or it is not found within 2,000
 * characters, the answer is yes: a body kept for nothing costs parsing, a body blanked wrongly loses definitions.
 */
function arrowAfterParen(text: string, open: number): boolean {
  const limit = Math.min(text.length, open + 2000);
  let depth = 0;
  for (let k = open; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 40) depth++;
    else if (c === 41) {
      if (--depth > 0) continue;
      let j = k + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      return text[j] === ':' || (text[j] === '=' && text[j + 1] === '>');
    } else if (c === 34 || c === 39 || c === 96 || c === 47) return true;
  }
  return true;
}

/** Whether the word at `start` follows a `#` that begins its line (a preprocessor directive, not text in a comment). */
function directiveAt(text: string, start: number): boolean {
  let k = start - 1;
  while (k >= 0 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
  if (text.charCodeAt(k) !== 35) return false;   // '#'
  k--;
  while (k >= 0 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
  return k < 0 || text.charCodeAt(k) === 10 || text.charCodeAt(k) === 13;
}

/**
 * JavaScript/TypeScript statements at the top level that bind modules and define nothing the queries keep, blanked
 * whole like a body: `import ... from 'x';`, `import 'x';`, `export * from 'x';`, `export { a, b as c } from 'x';`
 * and `const|let|var x = require('x');` (or `{ a, b: c } = require('x').member;`, which fileParser.ts drops as import
 * bindings). Their specifiers and identifiers are counted by the scanner as before; tree-sitter then parses less (on
 * the JavaScript/TypeScript bench corpus, 15% fewer characters and 15% fewer syntax nodes). A statement is followed token by token from its first word, which must start a statement (the file's first
 * token, or after a top-level `;` or `}`), to its `;`: anything else on the way (`=`, `(`, a string that is not the
 * specifier, `export const`, `export default`, a missing `;`) leaves it as written.
 */
const enum ModuleStep {
  None, Done,
  Import,                                 // `import` read: its clause (names, `type`, `*`, `as`, `,`, braces) or a specifier
  Export,                                 // `export` read (`type` may follow)
  ExportStar, ExportAlias,                // `export *`: `as name` may follow
  Braces, ImportBraces,                   // inside `{ ... }` of an export's or an import's clause
  Clause,                                 // an import clause after its braces
  From, Specifier,                        // `from` read; the specifier read (a `;` must follow)
  Declaration, DeclarationBraces, DeclarationName, Require, RequireOpen, RequireSpecifier, RequireParen, RequireClose, RequireMember,
}

/** The next step of a module statement after `tok` (depth: the block depth once the scanner has read it). */
function nextModuleStep(step: ModuleStep, tok: string, word: boolean, specifier: boolean, depth: number): ModuleStep {
  const punct = word ? '' : tok;
  switch (step) {
    case ModuleStep.Import:
    case ModuleStep.Clause:
      if (specifier && step === ModuleStep.Import) return ModuleStep.Specifier;   // import 'x';
      if (word) return tok === 'from' ? ModuleStep.From : step;
      return punct === '{' ? ModuleStep.ImportBraces : punct === '*' || punct === ',' ? step : ModuleStep.None;
    case ModuleStep.Export:
      if (word) return tok === 'type' ? ModuleStep.Export : ModuleStep.None;
      return punct === '{' ? ModuleStep.Braces : punct === '*' ? ModuleStep.ExportStar : ModuleStep.None;
    case ModuleStep.ExportStar:
      if (!word) return ModuleStep.None;
      return tok === 'from' ? ModuleStep.From : tok === 'as' ? ModuleStep.ExportAlias : ModuleStep.None;
    case ModuleStep.ExportAlias:
      return word ? ModuleStep.ExportStar : ModuleStep.None;
    case ModuleStep.Braces:
    case ModuleStep.ImportBraces:
      if (word || punct === ',') return step;
      if (punct !== '}' || depth !== 1) return ModuleStep.None;
      return step === ModuleStep.ImportBraces ? ModuleStep.Clause : ModuleStep.ExportStar;   // then only `from`
    case ModuleStep.From:
      return specifier ? ModuleStep.Specifier : ModuleStep.None;
    case ModuleStep.Specifier:
      return punct === ';' ? ModuleStep.Done : ModuleStep.None;
    case ModuleStep.Declaration:
      if (word) return ModuleStep.DeclarationName;
      return punct === '{' ? ModuleStep.DeclarationBraces : ModuleStep.None;
    case ModuleStep.DeclarationBraces:
      if (word || punct === ',' || punct === ':') return step;
      return punct === '}' && depth === 1 ? ModuleStep.DeclarationName : ModuleStep.None;
    case ModuleStep.DeclarationName:
      return punct === '=' ? ModuleStep.Require : ModuleStep.None;
    case ModuleStep.Require:
      return word && tok === 'require' ? ModuleStep.RequireOpen : ModuleStep.None;
    case ModuleStep.RequireOpen:
      return punct === '(' ? ModuleStep.RequireSpecifier : ModuleStep.None;
    case ModuleStep.RequireSpecifier:
      return specifier ? ModuleStep.RequireParen : ModuleStep.None;
    case ModuleStep.RequireParen:
      return punct === ')' ? ModuleStep.RequireClose : ModuleStep.None;
    case ModuleStep.RequireClose:
      return punct === ';' ? ModuleStep.Done : punct === '.' ? ModuleStep.RequireMember : ModuleStep.None;
    case ModuleStep.RequireMember:
      return word ? ModuleStep.RequireClose : ModuleStep.None;
    default:
      return ModuleStep.None;
  }
}

interface Block {
  open: number;
  /** A function body (after `)`, a C++ qualifier, a TypeScript return type or `=>`). */
  body: boolean;
  /** Something inside it defines a name: it must stay for tree-sitter. */
  defs: boolean;
  /** A `${` of a template literal, not a block. */
  template: boolean;
}

/**
 * The skeleton of `text`, or undefined when the scanner cannot follow it (the caller parses the text whole). In C++
 * where the addon has the indexing helpers (native/src/indexing/code_skeleton.cpp, the same scanner), else in
 * JavaScript (codeSkeletonInScript).
 */
export function codeSkeleton(text: string, family: SkeletonFamily): CodeSkeleton | undefined {
  const native = nativeIndexing();
  if (!native) return codeSkeletonInScript(text, family);
  const r = native.codeSkeleton(text, family);
  if (!r) return undefined;
  // Kept packed as the scanner returns them (see PackedRefs).
  return { text: r.text ?? text, identifiers: { names: r.identifiers, counts: r.counts }, imports: r.imports, blanked: r.blanked, cpp: r.cpp };
}

/** codeSkeleton in JavaScript: the fallback, and what the native scanner is tested against. */
export function codeSkeletonInScript(text: string, family: SkeletonFamily): CodeSkeleton | undefined {
  // C: a file that does not balance with every #if branch followed is read again as one configuration (Conditional).
  return scan(text, family, false) ?? (family === 'c' ? scan(text, family, true) : undefined);
}

function scan(text: string, family: SkeletonFamily, oneConfiguration: boolean): CodeSkeleton | undefined {
  const js = family !== 'c';
  const keywords = js ? JS_KEYWORDS : C_KEYWORDS;
  const identifiers: Record<string, number> = Object.create(null);
  const imports: string[] = [];
  const ranges: number[] = [];   // [start, end) pairs to blank, outermost only, in order
  const comments: boolean[] = [];   // per range: a comment (blanked to a space when it holds no newline)
  let brackets = 0;         // open '[': a computed name (`[a /* b */ c]() {}`) is read from the skeleton, comments kept
  const stack: Block[] = [{ open: -1, body: false, defs: false, template: false }];
  const parens: string[] = [];   // for each open '(', the token before it
  // ...where it is, whether it is a list that may be blanked (an argument or parameter list: after a name, or after
  // `function`; not in a computed name), and whether anything in it could define a name: `=` (in JavaScript, not
  // `=>` nor a comparison), `class`, a template, a brace (in JavaScript, a block only when something in it defines: a callback whose
  // body is blanked defines nothing), or such a thing in a nested parenthesis. A list that cannot is blanked: `f(a, g(b))`, `function f(a, b)
  // {` and `m(a: T): U;` reach tree-sitter as `f()`, `function f() {` and `m(): U;` (on the JavaScript/TypeScript bench
  // corpus, about a tenth fewer syntax nodes to parse).
  const parenOpen: number[] = [];
  const parenListed: boolean[] = [];
  const parenDirty: boolean[] = [];
  const dirtyParen = () => { if (parenDirty.length) parenDirty[parenDirty.length - 1] = true; };
  let t1 = '';   // the last token (a word, or one punctuation character), t2 the one before
  let t2 = '';
  let t1Word = false;
  let bodyReady = false;    // the tokens since the last ')' can still be followed by a function body
  let afterParen = '';      // the token before the '(' of the last ')'
  let returnType = false;   // inside a TypeScript return type (`): Promise<T> {`)
  let declName = false;     // `const|let|var NAME` was just read: its value decides whether it is a definition
  let declAt = [-1, -1, -1];   // block, parenthesis and bracket depths of the `const|let|var` declaration being read
  let declValue = false;    // the `=` of `const|let|var NAME =` was the last token
  let macroEnd = -1;        // end of the #define being read (C)
  const conditionals: Conditional[] = [];   // open #if (C)
  let skipFrom = -1;        // index in conditionals of the #if whose remaining branches are read without their braces
  let attributed = false;   // second reading: a macro call before the name being declared (`ATTR(4,0) name(`)
  // TypeScript: an interface's body holds property signatures (blanked like a body) unless it holds a method signature.
  let interfaceHeader = false;   // `interface Name ... ` read, its `{` not yet
  let typeBodyAt = -1;           // stack index of the interface body being read
  let cpp = false;
  const n = text.length;
  let i = 0;
  const markDefs = () => { stack[stack.length - 1].defs = true; };
  // JavaScript/TypeScript: a top-level import, `export ... from` or `const x = require('y')` statement (ModuleStatement).
  let moduleStep = ModuleStep.None;
  let moduleAt = -1;         // its first character
  let specifier = false;     // the string token being pushed is a module specifier
  /** Advances the module statement being read by the token being pushed (before t1 and t2 move); see ModuleStatement. */
  const moduleToken = (tok: string, word: boolean) => {
    if (moduleStep !== ModuleStep.None) {
      moduleStep = nextModuleStep(moduleStep, tok, word, specifier, stack.length);
      if (moduleStep === ModuleStep.Done) {
        // The whole statement, nested ranges (comments, an import's braces) included.
        while (ranges.length && ranges[ranges.length - 2] > moduleAt) { ranges.length -= 2; comments.length--; }
        ranges.push(moduleAt, i);
        comments.push(false);
        moduleStep = ModuleStep.None;
      }
    }
    if (moduleStep === ModuleStep.None && word && stack.length === 1 && !parens.length && !brackets && (t1 === '' || (!t1Word && (t1 === ';' || t1 === '}')))) {
      moduleStep = tok === 'import' ? ModuleStep.Import : tok === 'export' ? ModuleStep.Export
        : tok === 'const' || tok === 'let' || tok === 'var' ? ModuleStep.Declaration : ModuleStep.None;
      moduleAt = i - tok.length;
    }
  };
  const push = (tok: string, word: boolean) => {
    if (js) { moduleToken(tok, word); specifier = false; }
    t2 = t1; t1 = tok; t1Word = word;
  };
  /** Whether the next token starts an expression (where `/` is a regular expression and `<` may open JSX). */
  const expressionStart = () => t1 === '' || (t1Word ? JS_REGEX_AFTER_WORDS.has(t1) : REGEX_AFTER.includes(t1) &&
    !(t1 === '!' && (t2 === ')' || t2 === ']' || /^[\w$]/.test(t2))));   // `x! / y`: TypeScript's non-null assertion

  /** Scans a template literal from `i` (after the backtick or a closing `}` of `${`); returns false if unterminated. */
  const scanTemplate = (): boolean => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 92) { i += 2; continue; }            // backslash
      if (c === 96) { i++; push('"', false); return true; }   // closing backtick: a string value
      if (c === 36 && text.charCodeAt(i + 1) === 123) {   // ${
        i += 2;
        stack.push({ open: i - 1, body: false, defs: false, template: true });
        push('(', false);
        return true;
      }
      i++;
    }
    return false;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c <= 32) { i++; continue; }
    // Words: identifiers and keywords.
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36) {
      WORD.lastIndex = i;
      WORD.test(text);
      const word = text.slice(i, WORD.lastIndex);
      const wordStart = i;
      i = WORD.lastIndex;
      if (bodyReady && !(js ? returnType : CPP_QUALIFIERS.has(word))) bodyReady = false;
      if (keywords.has(word)) {
        if (js) {
          if (word === 'class') { markDefs(); dirtyParen(); }
          else if (word === 'interface' && family === 'ts' && t1 !== '.') interfaceHeader = true;
        } else if (word === 'typedef') {
          markDefs();
        } else if (word === 'extern' && stack.length === 1 && !parens.length && skipFrom < 0 && wordStart > macroEnd) {
          const end = externDeclarationEnd(text, wordStart);
          if (end > 0) { ranges.push(wordStart, end); comments.push(false); }
        } else if (word === 'define' && t1 === '#') {
          markDefs();
          // A macro's braces are not a function body: blanking them would cut its line continuations.
          let e = text.indexOf('\n', i);
          while (e > 0 && (text.charCodeAt(e - 1) === 92 || (text.charCodeAt(e - 1) === 13 && text.charCodeAt(e - 2) === 92))) e = text.indexOf('\n', e + 1);
          macroEnd = e < 0 ? n : e;
        } else if (oneConfiguration && t1 === '#' && wordStart > macroEnd && directiveAt(text, wordStart)) {
          if (C_CONDITIONAL_OPEN.has(word)) {
            IF_ZERO.lastIndex = i;
            const zero = word === 'if' && IF_ZERO.test(text);
            conditionals.push({ depth: stack.length, parens: parens.length, zero });
            if (zero && skipFrom < 0) skipFrom = conditionals.length - 1;
          } else if (C_CONDITIONAL_SWITCH.has(word)) {
            const open = conditionals[conditionals.length - 1];
            if (open?.zero && skipFrom === conditionals.length - 1) {
              skipFrom = -1;   // the #else of an #if 0: the code that is compiled
              open.zero = false;
            } else if (open && skipFrom < 0 && (stack.length !== open.depth || parens.length !== open.parens)) {
              skipFrom = conditionals.length - 1;
              markDefs();
            }
          } else if (word === 'endif' && conditionals.length) {
            if (skipFrom === conditionals.length - 1) skipFrom = -1;
            conditionals.pop();
          }
        }
      } else {
        if (word.length >= 2) identifiers[word] = (identifiers[word] ?? 0) + 1;
        if (t1Word && (js ? JS_DEFINING.has(t1) : C_DEFINING.has(t1))) markDefs();
        if (oneConfiguration && t1 === ')' && stack.length === 1) attributed = true;
        if (!js && t1Word && (t1 === 'class' || t1 === 'namespace')) cpp = true;   // C may name a variable `class`, not a type
        if (js && (t1 === 'const' || t1 === 'let' || t1 === 'var')) {
          declName = true;
          declAt = [stack.length, parens.length, brackets];
        } else if (js && t1 === ',' && declAt[0] === stack.length && declAt[1] === parens.length && declAt[2] === brackets) {
          declName = true;   // the next declarator of `var a = 1, f = function () {}`
        }
      }
      push(word, true);
      continue;
    }
    // Numbers (digits, hex, exponents, separators) are skipped whole so `1e3` is not a word.
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n) { const d = text.charCodeAt(j); if ((d >= 48 && d <= 57) || (d >= 65 && d <= 90) || (d >= 97 && d <= 122) || d === 46 || d === 95) j++; else break; }
      i = j; push('0', false); bodyReady = false; continue;
    }
    if (c === 47) {   // '/'
      const d = text.charCodeAt(i + 1);
      if (d === 47) {
        const e = text.indexOf('\n', i);
        const end = e < 0 ? n : e;
        if (js && !brackets) { ranges.push(i, end); comments.push(true); }
        i = end;
        continue;
      }
      if (d === 42) {
        const e = text.indexOf('*/', i + 2);
        if (e < 0) return undefined;
        if (js && !brackets) { ranges.push(i, e + 2); comments.push(true); }
        i = e + 2;
        continue;
      }
      if (js && expressionStart()) {
        let j = i + 1; let inClass = false;
        for (;;) {
          if (j >= n) return undefined;
          const e = text.charCodeAt(j);
          if (e === 10) return undefined;
          if (e === 92) { j += 2; continue; }
          if (e === 91) inClass = true; else if (e === 93) inClass = false; else if (e === 47 && !inClass) break;
          j++;
        }
        i = j + 1;
        push('"', false); bodyReady = false;
        continue;
      }
      i++; push('/', false); bodyReady = false; continue;
    }
    if (c === 34 || c === 39) {   // " '
      let j = i + 1;
      for (;;) {
        if (j >= n) return undefined;
        const e = text.charCodeAt(j);
        if (e === 92) { j += 2; continue; }
        if (e === c) break;
        if (e === 10) { if (js) return undefined; break; }   // C: an apostrophe in #error text ends at the line
        j++;
      }
      if (js && ((t1 === '(' && t2 === 'require') || (t1Word && (t1 === 'from' || (t1 === 'import' && t2 !== '.'))))) {
        imports.push(text.slice(i + 1, j));
        specifier = true;
      }
      i = j + 1; push('"', false); bodyReady = false;
      continue;
    }
    if (c === 96 && js) { dirtyParen(); i++; bodyReady = false; if (!scanTemplate()) return undefined; continue; }
    const ch = text[i];
    // JSX; not the second `<` of `a<<b`, nor a `<` after a postfix `i++` / `i--`.
    if (ch === '<' && family === 'js' && expressionStart() && /[A-Za-z>]/.test(text[i + 1] ?? '') && text[i - 1] !== '<' &&
      !((t1 === '+' || t1 === '-') && t2 === t1 && text[i - 1] === t1)) return undefined;
    i++;
    if (ch === '[') brackets++;
    else if (ch === ']' && brackets) brackets--;
    if (skipFrom >= 0 && (ch === '(' || ch === ')' || ch === '{' || ch === '}')) {
      bodyReady = false;   // a later branch of an unbalanced #if: its braces are not followed
    } else if (ch === '(') {
      // In an interface body, `m(`, `m?(`, `m<T>(`, `[k](`, `"m"(`: a method signature, which the queries capture.
      if (typeBodyAt >= 0 && (t1Word || t1 === ']' || t1 === '"' || t1 === '?' || t1 === '>')) markDefs();
      parens.push(t1Word ? t1 : t1 === ']' || (t1 === '"' && js) ? ']' : '');   // `[k](` and `"name"(`: a method if a body follows
      parenOpen.push(i - 1);
      parenListed.push(js && !brackets && t1Word && (!keywords.has(t1) || t1 === 'function') && t1 !== 'satisfies');
      parenDirty.push(false);
      if (!returnType) bodyReady = false;
    } else if (ch === ')') {
      afterParen = parens.pop() ?? '';
      const open = parenOpen.pop();
      const listed = parenListed.pop();
      if (parenDirty.pop()) {
        dirtyParen();   // the enclosing list holds it
      } else if (listed && open !== undefined && i - 1 > open + 1) {
        while (ranges.length && ranges[ranges.length - 2] > open) { ranges.length -= 2; comments.length--; }
        ranges.push(open + 1, i - 1);
        comments.push(false);
      }
      bodyReady = true; returnType = false;
    } else if (ch === '{') {
      if (family !== 'js') dirtyParen();   // TypeScript: a type literal's method signature
      const top = stack[stack.length - 1];
      // Function bodies (`) {`, `) const {`, `): T {`, `=> {`) and initialisers (`x = {`: C tables, object literals; in
      // TypeScript only after const/let/var, since `type T = { m(): void }` holds definitions).
      const initialiser = t1 === '=' && (family !== 'ts' || declValue);
      // JavaScript: an object literal (`f({`, `[{`, `a: {`, `x ? {`, `return {`), blanked like a body when nothing in it
      // defines a name (a method shorthand does); not in TypeScript, where the same places hold type literals.
      const objectLiteral = family === 'js' && (t1Word ? t1 === 'return' : t1 !== '' && OBJECT_BEFORE.includes(t1));
      const body = i - 1 >= macroEnd && (bodyReady || initialiser || objectLiteral || interfaceHeader || (js && t1 === '>' && t2 === '='));
      if (js && bodyReady && t1 === ')' && afterParen && !JS_STATEMENT_WORDS.has(afterParen)) top.defs = true;   // `name(...) {`: a method
      if (!js && !body && t1Word && !keywords.has(t1) && C_DEFINING.has(t2)) top.defs = true;   // `struct name {`
      stack.push({ open: i - 1, body, defs: body && attributed, template: false });
      if (interfaceHeader && typeBodyAt < 0) typeBodyAt = stack.length - 1;
      attributed = false; interfaceHeader = false;
      bodyReady = false; returnType = false;
    } else if (ch === '}') {
      if (stack.length < 2) return undefined;
      const b = stack.pop()!;
      if (family !== 'js' || b.defs) dirtyParen();   // JavaScript: a block that defines a name
      if (stack.length < declAt[0]) declAt = [-1, -1, -1];
      if (stack.length <= typeBodyAt) typeBodyAt = -1;
      if (b.template) { bodyReady = false; if (!scanTemplate()) return undefined; continue; }
      if (b.defs) stack[stack.length - 1].defs = true;
      else if (b.body && i - 1 > b.open + 1) {
        // Outermost wins: drop the ranges recorded for blocks nested in this one.
        while (ranges.length && ranges[ranges.length - 2] > b.open) { ranges.length -= 2; comments.length--; }
        ranges.push(b.open + 1, i - 1);
        comments.push(false);
      }
      bodyReady = false; returnType = false;
    } else if (!js && ((ch === ':' && (text.charCodeAt(i) === 58 || (t1Word && ACCESS.has(t1)))) || (ch === '<' && t1 === 'template'))) {
      cpp = true;   // `::`, `public:`, `template <`
      bodyReady = false;
    } else if (ch === ':' && js && bodyReady && t1 === ')') {
      returnType = true;   // `): Type {` keeps a body possible
    } else if (returnType && TYPE_PUNCTUATION.includes(ch)) {
      // inside a return type
    } else {
      // JavaScript: an assignment or a default, not `=>` nor a comparison (`==`, `!==`, `<=`, `>=`).
      if (ch === '=' && (family !== 'js' || !(text[i] === '>' || text[i] === '=' || '=!<>'.includes(text[i - 2] || ' ')))) dirtyParen();
      if (ch === '=' && js && declName && t1Word && t2 !== '.') {
        // `const f = (...) =>`, `= async`, `= function`, `= class`, `= x =>`: a definition; err towards yes.
        const m = DEFINING_VALUE.exec(text.slice(i, i + 200));
        if (m && (m[1] !== '(' || arrowAfterParen(text, i + m[0].length - 1))) markDefs();
      }
      declValue = ch === '=' && declName;
      if (ch === '=' || ch === ';' || ch === ',') declName = false;
      if (ch === ';' && declAt[0] === stack.length) declAt = [-1, -1, -1];
      if (ch === ';') { attributed = false; interfaceHeader = false; }
      bodyReady = false; returnType = false;
    }
    push(ch, false);
  }
  if (stack.length !== 1 || parens.length) return undefined;
  if (!ranges.length) return { text, identifiers: packRefs(identifiers), imports, blanked: 0, cpp };
  const parts: string[] = [];
  let last = 0; let blanked = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const start = ranges[r]; const end = ranges[r + 1];
    parts.push(text.slice(last, start));
    let newlines = '';
    for (let k = text.indexOf('\n', start); k >= 0 && k < end; k = text.indexOf('\n', k + 1)) newlines += '\n';
    parts.push(newlines || (comments[r / 2] ? ' ' : ''));   // `a/* */b` must stay two tokens
    blanked += end - start - newlines.length;
    last = end;
  }
  parts.push(text.slice(last));
  return { text: parts.join(''), identifiers: packRefs(identifiers), imports, blanked, cpp };
}
