// Helpers shared by the index and context tests: fixture paths, throwaway repositories, and a compact view of
// definitions that reads well in assertion diffs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SymbolDef } from '../../../server/index/repoIndex';

export const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'repos');

/** 'kind name start-end [in container]' per definition. */
export function describeDefs(defs: SymbolDef[]): string[] {
  return defs.map((d) => `${d.kind} ${d.name} ${d.startLine}-${d.endLine}${d.container ? ` in ${d.container}` : ''}`);
}

/** A fresh temporary folder holding `files` (path -> content). */
export function makeRepo(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-index-'));
  for (const [rel, content] of Object.entries(files)) writeFile(root, rel, content);
  return fs.realpathSync(root);
}

export function writeFile(root: string, rel: string, content: string | Buffer): string {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
  return abs;
}

export function removeRepo(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Up to `limit` files under `dir` whose names match, in name order. */
export function filesIn(dir: string, pattern: RegExp, limit: number): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= limit) return;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (pattern.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Real files of every natively parsed language, enough of each to cover definitions of every kind the queries find:
 * this project's TypeScript, its C++ and the fixtures, the C of the tree-sitter runtime and the JavaScript of a
 * dependency.
 */
export function realFiles(): string[] {
  const treeSitterC = path.join(path.dirname(require.resolve('tree-sitter/package.json')), 'vendor', 'tree-sitter', 'lib', 'src');
  const marked = path.dirname(require.resolve('marked/package.json'));
  return [
    ...filesIn(path.join(ROOT, 'server', 'index'), /\.ts$/, 30),
    ...filesIn(path.join(ROOT, 'extension'), /\.ts$/, 10),
    ...filesIn(treeSitterC, /\.(c|h)$/, 40),
    ...filesIn(path.join(ROOT, 'native', 'src'), /\.(cpp|h)$/, 15),
    ...filesIn(path.join(marked, 'lib'), /\.(js|cjs)$/, 2),
    ...filesIn(path.join(FIXTURES, 'polyglot'), /\.(c|cpp|js|ts|tsx)$/, 20),
  ];
}
