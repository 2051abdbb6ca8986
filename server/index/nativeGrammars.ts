// Native tree-sitter for the languages that hold most of a code base's bytes (C, C++, JavaScript, TypeScript): the
// npm packages ship N-API prebuilds for the common platforms, loaded without a compiler. In a fresh index worker the
// native parser is about twice as fast as the wasm runtime, which runs V8's baseline code until its hot functions
// are recompiled, and it needs no grammar compile per worker (see README, Indexing). Every other language, a platform
// without a prebuild, or a prebuild that fails to load uses the wasm grammars (grammarLoader.ts): `nativeLanguage`
// then answers undefined and says why in `nativeUnavailable`.
import type { SyntaxLanguage, SyntaxQuery, SyntaxTree } from './syntaxTree';

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
    const parser = new Parser();
    parser.setLanguage(language);
    return {
      backend: 'native',
      // One read of the whole string: the binding otherwise asks for it again in 32 KB pieces.
      parse: (text) => parser.parse(text, undefined, { bufferSize: text.length + 1 }),
      query: (source) => new Parser.Query(language, source),
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
