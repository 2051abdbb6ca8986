// Finds and loads tree-sitter grammar wasm files. The bundle copies them to dist/grammars (a .vsix ships dist/,
// not node_modules/), so that is searched first; running from source falls back to the npm packages.
import * as fs from 'fs';
import * as path from 'path';
import type { Language } from 'web-tree-sitter';
// `require` (not `import`) so that esbuild bundles the package's CommonJS build: its ESM build locates the runtime
// wasm through import.meta.url, which a CommonJS bundle does not have.
import TreeSitter = require('web-tree-sitter');
import { aliasMissingImports } from './wasmImportAlias';
import type { SyntaxLanguage, SyntaxQuery, SyntaxTree } from './syntaxTree';

let initialised: Promise<void> | undefined;
const languages = new Map<string, Promise<Language>>();
/** Grammar loads run one at a time: the runtime's dynamic linker keeps per-load global state, and two
 *  overlapping loads fail with "bad export type for '<symbol>'". */
let loadChain: Promise<unknown> = Promise.resolve();

/**
 * The npm packages of the natively parsed grammars (nativeGrammars.ts) ship a wasm build of the same grammar version:
 * the wasm fallback loads that one, so both backends parse with the same grammar. tree-sitter-wasms has the others.
 */
const GRAMMAR_PACKAGES: Record<string, string> = {
  c: 'tree-sitter-c', cpp: 'tree-sitter-cpp', javascript: 'tree-sitter-javascript', typescript: 'tree-sitter-typescript', tsx: 'tree-sitter-typescript',
};

/**
 * Directories that may hold grammar wasm files, most specific first: the grammar's own package (when installed; the
 * .vsix ships its native part only), then dist/grammars, where the bundle copies the package's wasm too.
 */
function grammarDirs(grammar?: string): string[] {
  const dirs: string[] = [];
  const pkg = grammar && GRAMMAR_PACKAGES[grammar];
  if (pkg) {
    try { dirs.push(path.dirname(require.resolve(`${pkg}/package.json`))); } catch { /* not installed: dist/grammars */ }
  }
  dirs.push(
    path.join(__dirname, '..', 'grammars'),            // dist/server/*.js -> dist/grammars
    path.join(__dirname, 'grammars'),
    path.join(__dirname, '..', '..', 'dist', 'grammars'), // server/index/*.ts -> dist/grammars
  );
  try {
    dirs.push(path.join(path.dirname(require.resolve('tree-sitter-wasms/package.json')), 'out'));
  } catch { /* not installed: rely on dist/grammars */ }
  try {
    dirs.push(path.dirname(require.resolve('web-tree-sitter')));
  } catch { /* bundled: rely on dist/grammars */ }
  return dirs;
}

function findWasm(fileName: string, grammar?: string): string {
  for (const dir of grammarDirs(grammar)) {
    const candidate = path.join(dir, fileName);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`Cannot find ${fileName}: looked in ${grammarDirs(grammar).join(', ')}. ` +
    'Run `npm run build:js` (copies grammars to dist/grammars) or `npm ci` (installs tree-sitter-wasms).');
}

/** Initialises the tree-sitter runtime once per thread. */
export function initTreeSitter(): Promise<void> {
  if (!initialised) {
    const runtime = findWasm('tree-sitter.wasm');
    initialised = TreeSitter.Parser.init({ locateFile: () => runtime } as object);
  }
  return initialised;
}

/** Loads `tree-sitter-<grammar>.wasm` once per thread. */
export async function loadGrammar(grammar: string): Promise<Language> {
  await initTreeSitter();
  let pending = languages.get(grammar);
  if (!pending) {
    const load = () => TreeSitter.Language.load(aliasMissingImports(fs.readFileSync(findWasm(`tree-sitter-${grammar}.wasm`, grammar))));
    pending = loadChain.then(load, load);
    loadChain = pending.catch(() => undefined);
    languages.set(grammar, pending);
  }
  return pending;
}

/** The wasm backend of the parser interface (syntaxTree.ts) for `grammar`: one parser per thread and language. */
export async function wasmLanguage(grammar: string): Promise<SyntaxLanguage> {
  const language = await loadGrammar(grammar);
  const parser = new TreeSitter.Parser();
  parser.setLanguage(language);
  return {
    backend: 'wasm',
    parse: (text) => parser.parse(text) as SyntaxTree | null,
    query: (source) => new TreeSitter.Query(language, source) as unknown as SyntaxQuery,
  };
}
