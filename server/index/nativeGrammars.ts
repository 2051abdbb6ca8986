// Native tree-sitter for the languages that hold most of a code base's bytes (C, C++, JavaScript, TypeScript): the
// npm packages ship N-API prebuilds for the common platforms, loaded without a compiler. In a fresh index worker the
// native parser is about twice as fast as the wasm runtime, which runs V8's baseline code until its hot functions
// are recompiled, and it needs no grammar compile per worker (see README, Indexing). Every other language, a platform
// without a prebuild, or a prebuild that fails to load uses the wasm grammars (grammarLoader.ts): `nativeLanguage`
// then answers undefined and says why in `nativeUnavailable`.
import type { PackedRefs } from './fileRecord';
import { objectArray } from './objectArrays';
import { nativeIndexing, type NativeTreeSitter } from './nativeIndexing';
import type { SyntaxLanguage, SyntaxMatch, SyntaxNode, SyntaxPoint, SyntaxQuery, SyntaxTree } from './syntaxTree';

/** The native grammar objects by wasm grammar name. Static requires, so that the bundler leaves them to runtime. */
const GRAMMARS: Record<string, () => unknown> = {
  c: () => require('tree-sitter-c'),
  cpp: () => require('tree-sitter-cpp'),
  javascript: () => require('tree-sitter-javascript'),
  typescript: () => (require('tree-sitter-typescript') as { typescript: unknown }).typescript,
  tsx: () => (require('tree-sitter-typescript') as { tsx: unknown }).tsx,
};

interface NativeParser { setLanguage(language: unknown): void; parse(text: string, oldTree?: undefined, options?: { bufferSize?: number }): SyntaxTree }
interface NativeRuntime { new (): NativeParser; Query: new (language: unknown, source: string) => SyntaxQuery }

let runtime: NativeRuntime | undefined;
let runtimeError: string | undefined;
const failures = new Map<string, string>();

function loadRuntime(): NativeRuntime | undefined {
  if (runtime || runtimeError) return runtime;
  try {
    runtime = require('tree-sitter') as NativeRuntime;
  } catch (e) {
    runtimeError = `the native tree-sitter runtime does not load on ${process.platform}-${process.arch}: ${(e as Error).message.split('\n')[0]}`;
  }
  return runtime;
}

/** Grammars with a native package (whether or not its prebuild loads here). */
export const NATIVE_GRAMMARS = Object.keys(GRAMMARS);

/** The native parser for `grammar`, or undefined when there is none here (then see nativeUnavailable). */
export function nativeLanguage(grammar: string): SyntaxLanguage | undefined {
  const load = GRAMMARS[grammar];
  if (!load || failures.has(grammar)) return undefined;
  const Parser = loadRuntime();
  if (!Parser) { failures.set(grammar, runtimeError!); return undefined; }
  try {
    const language = load();
    const helpers = nativeIndexing()?.treeSitter;
    const grammarLanguage = (language as { language?: unknown }).language;
    // With the addon's helpers the binding's parser is rarely needed (queries with other predicates): made on first
    // use, since setting its language costs each worker 10-25 ms per language (the helpers check the grammar's ABI
    // when they compile its queries). Without them it is made now, and a grammar it cannot load falls back to wasm.
    let parser: NativeParser | undefined;
    const bindingParser = () => {
      if (!parser) { parser = new Parser(); parser.setLanguage(language); }
      return parser;
    };
    if (!helpers || !grammarLanguage) bindingParser();
    return {
      backend: 'native',
      // One read of the whole string: the binding otherwise asks for it again in 32 KB pieces.
      parse: (text) => bindingParser().parse(text, undefined, { bufferSize: text.length + 1 }),
      query: (source) => (helpers && grammarLanguage ? helperQuery(helpers, Parser, language, grammarLanguage, source) : new Parser.Query(language, source)),
      parseMatches: helpers && ((text, query, countRefs) => (query instanceof HelperQuery ? query.parseMatches(helpers, text, countRefs) : undefined)),
    };
  } catch (e) {
    failures.set(grammar, `the native tree-sitter-${grammar} grammar does not load: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

/** Why `grammar` has no native parser here (undefined when it has one or was never asked for). */
export function nativeUnavailable(grammar: string): string | undefined {
  if (!GRAMMARS[grammar]) return `no native package for ${grammar}`;
  return failures.get(grammar);
}

/**
 * A query compiled by the addon's tree-sitter runtime (nativeIndexing.ts) for parseMatches; the npm binding's Query
 * for `matches` over its own trees (compiled on first use), and always for queries with predicates other than #eq?
 * and #not-eq? of a capture and a string (the binding evaluates the others in JavaScript).
 */
function helperQuery(helpers: NativeTreeSitter, Parser: NativeRuntime, language: unknown, grammarLanguage: unknown, source: string): SyntaxQuery {
  const compiled = helpers.compileQuery(grammarLanguage, source);
  if (compiled.bindingPredicates) return new Parser.Query(language, source);
  return new HelperQuery(compiled.query, compiled.captureNames, () => new Parser.Query(language, source));
}

class HelperQuery implements SyntaxQuery {
  private bindingQuery: SyntaxQuery | undefined;

  constructor(private readonly handle: unknown, private readonly captureNames: string[], private readonly makeBindingQuery: () => SyntaxQuery) {}

  matches(node: SyntaxNode): SyntaxMatch[] {
    this.bindingQuery ??= this.makeBindingQuery();
    return this.bindingQuery.matches(node);
  }

  /**
   * The matches of this query over `text`, as plain objects read from the flat list (syntax_captures.h); with
   * `countRefs` (and a query that has `ref` and `name` captures), the references counted natively instead.
   */
  parseMatches(helpers: NativeTreeSitter, text: string, countRefs = false): { matches: SyntaxMatch[]; refs?: PackedRefs } {
    const refCapture = countRefs ? this.captureNames.indexOf('ref') : -1;
    const nameCapture = this.captureNames.indexOf('name');
    let flat: Int32Array;
    let refs: PackedRefs | undefined;
    if (refCapture >= 0) {
      const r = helpers.parseMatches(this.handle, text, refCapture, nameCapture);
      if (!r) throw new Error('tree-sitter returned no tree');
      flat = r.matches;
      refs = { names: r.refNames, counts: r.refCounts };
    } else {
      const r = helpers.parseMatches(this.handle, text);
      if (!r) throw new Error('tree-sitter returned no tree');
      flat = r;
    }
    const matches = objectArray<SyntaxMatch>();
    for (let i = 0; i < flat.length;) {
      const count = flat[i++];
      const captures = new Array<{ name: string; node: SyntaxNode }>(count);
      for (let k = 0; k < count; k++, i += 7) {
        captures[k] = { name: this.captureNames[flat[i]], node: new CapturedNode(text, flat[i + 1], flat[i + 2], flat[i + 3], flat[i + 4], flat[i + 5], flat[i + 6]) };
      }
      matches.push({ captures });
    }
    return { matches, refs };
  }
}

/** A captured node as numbers, its text cut from the parsed string when asked for (as the npm binding does). */
class CapturedNode implements SyntaxNode {
  constructor(private readonly source: string, readonly startIndex: number, readonly endIndex: number,
    private readonly startRow: number, private readonly startColumn: number, private readonly endRow: number, private readonly endColumn: number) {}

  get startPosition(): SyntaxPoint { return { row: this.startRow, column: this.startColumn }; }
  get endPosition(): SyntaxPoint { return { row: this.endRow, column: this.endColumn }; }
  get text(): string { return this.source.substring(this.startIndex, this.endIndex); }
}
