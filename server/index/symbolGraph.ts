// The symbol graph: which files define which names, which names each file references, and which files each file
// imports. Edges file -> file are derived on demand (and cached until the next change) for PageRank:
// a reference to a name defined in k other files adds 1/k to each (names defined in very many files, like `get`
// or `init`, say little about where code lives and are skipped), and a resolved import adds a strong edge.
import * as path from 'path';
import { forEachRef, unpackRefs, type IndexedFile, type PackedRefs } from './fileRecord';

/** A name defined in more files than this is too generic to link files. */
const MAX_DEFINING_FILES = 12;
const IMPORT_WEIGHT = 2;

export interface FileGraph {
  files: string[];
  index: Map<string, number>;
  /** For file i: parallel arrays of target file indices and weights. */
  targets: Int32Array[];
  weights: Float64Array[];
}

export class SymbolGraph {
  private readonly definers = new FilesByKey();
  /** definers by lower-case name: made on the first case-insensitive lookup, kept up to date from then on. */
  private definersLower: FilesByKey | undefined;
  private readonly fileRefs = new Map<string, PackedRefs>();
  private readonly fileImports = new Map<string, string[]>();
  private readonly fileDefs = new Map<string, string[]>();
  /** 'a/b/c' and 'b/c' and 'c' (no extension, lower-case) -> files, to resolve import specifiers. */
  private readonly moduleKeys = new FilesByKey();
  private cached: FileGraph | undefined;

  add(f: IndexedFile): void {
    const names = uniqueSorted(f.defs);
    const before = this.fileDefs.get(f.file);
    // The common edit (a body changes, the names it defines do not) leaves every other file's edges as they were:
    // only this file's row of the cached graph is recomputed. Anything else invalidates the whole graph.
    const sameNames = !!before && before.length === names.length && before.every((n, i) => n === names[i]);
    const cached = sameNames ? this.cached : undefined;
    this.remove(f.file);
    this.fileDefs.set(f.file, names);
    for (const n of names) {
      this.definers.add(n, f.file);
      this.definersLower?.add(n.toLowerCase(), f.file);
    }
    this.fileRefs.set(f.file, f.refs);
    this.fileImports.set(f.file, f.imports);
    for (const k of moduleKeysOf(f.file)) this.moduleKeys.add(k, f.file);
    if (cached) {
      const row = this.edgesOf(f.file, cached.index);
      const i = cached.index.get(f.file)!;
      cached.targets[i] = row.targets; cached.weights[i] = row.weights;
      this.cached = cached;
    }
  }

  remove(file: string): void {
    const names = this.fileDefs.get(file);
    if (!names) return;
    for (const n of names) {
      this.definers.remove(n, file);
      this.definersLower?.remove(n.toLowerCase(), file);
    }
    for (const k of moduleKeysOf(file)) this.moduleKeys.remove(k, file);
    this.fileDefs.delete(file); this.fileRefs.delete(file); this.fileImports.delete(file);
    this.cached = undefined;
  }

  /** Files defining exactly `name`. */
  definingFiles(name: string): string[] { return this.definers.files(name).sort(); }

  /** Files defining `name`, ignoring case. */
  definingFilesIgnoreCase(name: string): string[] {
    if (!this.definersLower) {
      const lower = new FilesByKey();
      for (const [file, names] of this.fileDefs) for (const n of names) lower.add(n.toLowerCase(), file);
      this.definersLower = lower;
    }
    return this.definersLower.files(name.toLowerCase()).sort();
  }

  /** Referenced name -> uses, for one file. */
  referencesOf(file: string): Record<string, number> { const r = this.fileRefs.get(file); return r ? unpackRefs(r) : {}; }

  importsOf(file: string): string[] { return this.fileImports.get(file) ?? []; }

  /** Files an import specifier written in `fromFile` may point at (best effort, by path suffix). */
  resolveImport(fromFile: string, spec: string): string[] {
    let s = stripExtension(spec.trim().replace(/\\/g, '/'));
    const dir = path.posix.dirname(fromFile);
    if (/^\.{1,2}\//.test(s)) {
      s = path.posix.join(dir, s);                                   // ./x, ../x (JS/TS, Ruby, Bash, C)
    } else if (/^\.+[A-Za-z_]/.test(s)) {
      const dots = /^\.+/.exec(s)![0].length;                        // Python: .mod, ..pkg.mod
      s = path.posix.join(dir, '../'.repeat(dots - 1), s.slice(dots).replace(/\./g, '/'));
    } else if (!s.includes('/')) {
      s = s.replace(/::|\./g, '/');                                 // os.path, java.util.List, std::io
    }
    s = s.replace(/\/(index|__init__|mod)$/, '').toLowerCase();
    const segs = s.split('/').filter((x) => x && x !== '..' && x !== '.' && x !== 'crate' && x !== 'self' && x !== 'super');
    for (let n = Math.min(3, segs.length); n >= 1; n--) {
      const hit = this.moduleKeys.files(segs.slice(-n).join('/'));
      if (hit.length) return hit.filter((f) => f !== fromFile).sort().slice(0, MAX_DEFINING_FILES);
    }
    return [];
  }

  /** The weighted file graph (cached; an edit that keeps a file's defined names patches one row). */
  fileGraph(): FileGraph {
    if (this.cached) return this.cached;
    const files = [...this.fileRefs.keys()].sort();
    const index = new Map(files.map((f, i) => [f, i] as [string, number]));
    const targets: Int32Array[] = []; const weights: Float64Array[] = [];
    for (const file of files) {
      const row = this.edgesOf(file, index);
      targets.push(row.targets); weights.push(row.weights);
    }
    this.cached = { files, index, targets, weights };
    return this.cached;
  }

  private edgesOf(file: string, index: Map<string, number>): { targets: Int32Array; weights: Float64Array } {
    const edges = new Map<number, number>();
    const refs = this.fileRefs.get(file);
    if (refs) {
      forEachRef(refs, (name, count) => {
        const defs = this.definers.get(name);
        if (defs === undefined) return;
        if (typeof defs === 'string') {   // one defining file, the common case
          if (defs !== file) { const j = index.get(defs)!; edges.set(j, (edges.get(j) ?? 0) + Math.log2(1 + count)); }
          return;
        }
        if (defs.size > MAX_DEFINING_FILES) return;
        const w = Math.log2(1 + count) / defs.size;
        for (const d of defs) if (d !== file) { const j = index.get(d)!; edges.set(j, (edges.get(j) ?? 0) + w); }
      });
    }
    for (const spec of this.fileImports.get(file) ?? []) {
      for (const d of this.resolveImport(file, spec)) { const j = index.get(d)!; edges.set(j, (edges.get(j) ?? 0) + IMPORT_WEIGHT); }
    }
    const targets = new Int32Array(edges.size); const weights = new Float64Array(edges.size);
    let k = 0;
    for (const [j, weight] of edges) { targets[k] = j; weights[k] = weight; k++; }
    return { targets, weights };
  }
}

/** The distinct names of `defs`, sorted (one array, sorted, then deduplicated in place: no Set per file). */
function uniqueSorted(defs: readonly { name: string }[]): string[] {
  const names = new Array<string>(defs.length);
  for (let i = 0; i < defs.length; i++) names[i] = defs[i].name;
  names.sort();
  let kept = 0;
  for (let i = 0; i < names.length; i++) if (i === 0 || names[i] !== names[kept - 1]) names[kept++] = names[i];
  names.length = kept;
  return names;
}

const SOURCE_EXTENSION = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py|pyi|go|rs|java|c|h|hh|hpp|hxx|cc|cpp|cxx|cu|cuh|cs|rb|sh|bash)$/i;
function stripExtension(p: string): string { return p.replace(SOURCE_EXTENSION, ''); }

function moduleKeysOf(file: string): string[] {
  const segs = stripExtension(file).toLowerCase().split('/');
  const last = segs[segs.length - 1];
  if ((last === 'index' || last === '__init__' || last === 'mod') && segs.length > 1) segs.pop();
  const keys: string[] = [];
  for (let n = 1; n <= Math.min(3, segs.length); n++) keys.push(segs.slice(-n).join('/'));
  return keys;
}

/**
 * Key -> the files that have it. Most names are defined in one file, so a key holds the file itself until a second
 * one joins (a Set per name was most of what merging a parsed file cost the server thread, and its garbage).
 */
class FilesByKey {
  private readonly map = new Map<string, string | Set<string>>();

  get(key: string): string | ReadonlySet<string> | undefined { return this.map.get(key); }

  files(key: string): string[] {
    const v = this.map.get(key);
    return v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
  }

  add(key: string, file: string): void {
    const v = this.map.get(key);
    if (v === undefined) this.map.set(key, file);
    else if (typeof v === 'string') { if (v !== file) this.map.set(key, new Set([v, file])); }
    else v.add(file);
  }

  remove(key: string, file: string): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    if (typeof v === 'string') { if (v === file) this.map.delete(key); return; }
    v.delete(file);
    if (v.size === 1) this.map.set(key, v.values().next().value as string);
    else if (!v.size) this.map.delete(key);
  }
}
