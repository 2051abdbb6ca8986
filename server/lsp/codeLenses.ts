/**
 * "Explain" code lenses on the definitions of the index. provideCodeLenses only returns ranges (cheap: one map
 * lookup per file); the title and command are filled in resolveCodeLens, for the lenses VS Code actually shows.
 */
import * as path from 'path';
import { fileURLToPath } from 'url';
import type { CodeLens } from 'vscode-languageserver/node';
import type { RepoIndex, SymbolDef } from '../index/repoIndex';

/** Kinds worth explaining; variables and modules would clutter every file. */
const LENS_KINDS = new Set<SymbolDef['kind']>(['function', 'method', 'class', 'interface', 'type', 'enum']);

export interface LensData { uri: string; file: string; line: number; name: string }

export function relativeFile(root: string, uri: string): string | undefined {
  let fsPath: string;
  try { fsPath = fileURLToPath(uri); } catch { return undefined; }
  const rel = path.relative(root, fsPath);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

export function provideLenses(index: RepoIndex | undefined, uri: string): CodeLens[] {
  if (!index) return [];
  const file = relativeFile(index.root, uri);
  if (!file) return [];
  return index.definitionsIn(file)
    .filter((d) => LENS_KINDS.has(d.kind))
    .map((d) => {
      const line = d.startLine - 1;
      const data: LensData = { uri, file, line, name: d.name };
      return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, data };
    });
}

export function resolveLens(index: RepoIndex | undefined, lens: CodeLens): CodeLens {
  const data = lens.data as LensData | undefined;
  if (!data) return lens;
  const def = index?.symbolAt(data.file, data.line + 1);
  const lines = def ? def.endLine - def.startLine + 1 : undefined;
  const what = def ? `${def.kind} ${def.container ? def.container + '.' : ''}${def.name}` : data.name;
  lens.command = {
    title: `$(sparkle) Explain ${what}${lines ? ` (${lines} lines)` : ''}`,
    command: 'unisparse.explainSymbol',
    arguments: [data.uri, { line: data.line, character: 0 }, data.name],
  };
  return lens;
}
