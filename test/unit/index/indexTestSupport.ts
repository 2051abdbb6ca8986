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
