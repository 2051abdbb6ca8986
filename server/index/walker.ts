// Lists the files of a workspace that are worth indexing: honours nested .gitignore files and the default
// excludes and the secret-file list, follows symlinks without looping (and never out of the repository), and
// survives directories that vanish or cannot be read.
// Content checks (size, binary, minified) happen where the bytes are read: in the index worker.
import * as fs from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';
import { SECRET_FILE_PATTERNS } from './secretFiles';

/** Dependencies, build output, caches and lock files: rarely what a question is about, often huge. */
export const DEFAULT_EXCLUDES = [
  'node_modules/', '.git/', 'dist/', 'build/', 'out/', 'target/', 'vendor/', '__pycache__/', '.venv/', 'venv/',
  '.hg/', '.svn/', '.idea/', '.vscode-test/', '.mypy_cache/', '.pytest_cache/', '.tox/', '.next/', 'coverage/',
  '*.min.js', '*.min.css', '*.map',
  'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock', 'Gemfile.lock', 'composer.lock',
  'go.sum', 'Pipfile.lock', 'uv.lock', 'bun.lockb',
  // Formats that are binary or never useful as source text.
  '*.png', '*.jpg', '*.jpeg', '*.gif', '*.ico', '*.pdf', '*.zip', '*.gz', '*.tgz', '*.xz', '*.7z', '*.jar', '*.wasm',
  '*.so', '*.dylib', '*.dll', '*.exe', '*.o', '*.a', '*.node', '*.pyc', '*.class', '*.gguf', '*.safetensors', '*.bin',
];

export interface WalkOptions {
  excludes?: string[];
  /** false: only `excludes` and .gitignore apply (benchmarks over node_modules). */
  defaultExcludes?: boolean;
  /** Secret-bearing files left out (default SECRET_FILE_PATTERNS; [] indexes them). */
  secretFiles?: readonly string[];
  signal?: AbortSignal;
  /** Called with each folder's files as they are listed (the build hands them to the workers meanwhile). */
  onFiles?: (files: string[]) => void;
}

/** Gitignore-style rules rooted at one directory (root-relative, '' for the root). */
interface RuleSet { base: string; rules: Ignore }

/** A pattern of names, globs (`*`, `?`) and slashes only: fixedRuleNames can tell which paths it may match. */
const SIMPLE_PATTERN = /^!?\/?[\w.*?~$@+=%,-]+(?:\/[\w.*?~$@+=%,-]+)*\/?$/;

/**
 * What a path's name alone says about simple gitignore patterns. `anchored`: the last segments (lower case) of the
 * patterns with a slash before their end (`.gem/credentials`, `/build`); a pattern without one matches a path by its
 * last segment only, so a path whose name is none of these gets the same verdict as its name alone at the root.
 * `names`: matches every name that some pattern without such a slash could match (more, never fewer: each glob as
 * a regular expression, negations and folder-only patterns included), so a name it does not match is excluded by
 * nothing. Undefined when a pattern is not simple (ranges, escapes, `**`, a glob after the last slash): then every
 * path is tested in full.
 */
function fixedRuleNames(patterns: readonly string[]): { anchored: Set<string>; names: RegExp } | undefined {
  const anchored = new Set<string>();
  const floating: string[] = [];
  for (const p of patterns) {
    if (!SIMPLE_PATTERN.test(p) || p.includes('**')) return undefined;
    const body = p.replace(/^!/, '').replace(/\/$/, '');
    const slash = body.lastIndexOf('/');
    if (slash < 0) {
      floating.push(body.replace(/[^*?\w]/g, (c) => `\\${c}`).replace(/\*/g, '.*').replace(/\?/g, '.'));
      continue;
    }
    const last = body.slice(slash + 1);
    if (/[*?]/.test(last)) return undefined;
    anchored.add(last.toLowerCase());
  }
  return { anchored, names: floating.length ? new RegExp(`^(?:${floating.join('|')})$`, 'i') : /(?!)/ };
}

export class IgnoreRules {
  private readonly fixed: Ignore;
  private readonly perDir = new Map<string, Ignore | null>();
  /** See fixedRuleNames; `byName`: the fixed rules' verdict on a name alone; `folders`: on each folder checked. */
  private readonly byNames: { anchored: Set<string>; names: RegExp } | undefined;
  private readonly byName = new Map<string, boolean>();
  private readonly folders = new Map<string, boolean>();

  constructor(private readonly root: string, opts: WalkOptions) {
    // The user's excludes come last, so a `!pattern` there can bring back a secret-list file on purpose.
    const patterns = [...(opts.defaultExcludes === false ? [] : DEFAULT_EXCLUDES), ...(opts.secretFiles ?? SECRET_FILE_PATTERNS), ...(opts.excludes ?? [])];
    this.fixed = ignore().add(patterns);
    this.byNames = fixedRuleNames(patterns);
  }

  /**
   * Whether the fixed rules exclude a root-relative path: a folder above it, or the path itself. The same verdict as
   * the rules' own ignores(), which tests each path against every pattern (about 40 µs a path with the default
   * lists, the better part of listing a repository); from names where fixedRuleNames allows it.
   */
  private fixedIgnores(rel: string, isDir: boolean): boolean {
    if (!this.byNames) return this.fixed.ignores(isDir ? rel + '/' : rel);
    for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) {
      const folder = rel.slice(0, i);
      let ignored = this.folders.get(folder);
      if (ignored === undefined) { ignored = this.ownVerdict(folder, true); this.folders.set(folder, ignored); }
      if (ignored) return true;
    }
    return this.ownVerdict(rel, isDir);
  }

  /** The fixed rules' verdict on the path itself (not the folders above it). */
  private ownVerdict(rel: string, isDir: boolean): boolean {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (!name || name === '.' || name === '..' || this.byNames!.anchored.has(name.toLowerCase())) return this.fixed.ignores(isDir ? rel + '/' : rel);
    if (!this.byNames!.names.test(name)) return false;
    const key = isDir ? name + '/' : name;
    let ignored = this.byName.get(key);
    if (ignored === undefined) { ignored = this.fixed.ignores(key); this.byName.set(key, ignored); }
    return ignored;
  }

  /** The .gitignore of a root-relative directory, read once (null when there is none or it cannot be read). */
  gitignoreOf(dir: string): Ignore | null {
    let rules = this.perDir.get(dir);
    if (rules === undefined) {
      rules = null;
      try {
        const text = fs.readFileSync(path.join(this.root, dir, '.gitignore'), 'utf8');
        rules = ignore().add(text);
      } catch { /* no .gitignore here */ }
      this.perDir.set(dir, rules);
    }
    return rules;
  }

  /**
   * A listing of `dir` showed whether it holds a .gitignore: where it does not, no read is tried (a failed read
   * throws, and an exception per folder was a third of the listing's time).
   */
  listed(dir: string, hasGitignore: boolean): void {
    if (!hasGitignore && !this.perDir.has(dir)) this.perDir.set(dir, null);
  }

  /** Forget a directory's cached .gitignore (it changed on disk). */
  invalidate(dir: string): void { this.perDir.delete(dir); }

  /**
   * The repository's own excludes, `.git/info/exclude` at the root (read once; null when there is none): patterns a
   * user keeps out of git without a .gitignore (scratch folders, local builds), which git, ripgrep and VS Code's search
   * honour too.
   */
  private localExcludes: Ignore | null | undefined;

  private localExcludesRules(): Ignore | null {
    if (this.localExcludes === undefined) {
      this.localExcludes = null;
      try {
        this.localExcludes = ignore().add(fs.readFileSync(path.join(this.root, '.git', 'info', 'exclude'), 'utf8'));
      } catch { /* not a git checkout's root, or no excludes */ }
    }
    return this.localExcludes;
  }

  /** Whether a root-relative path is excluded; `isDir` adds the trailing slash gitignore needs for dir rules. */
  ignores(rel: string, isDir: boolean): boolean {
    const probe = isDir ? rel + '/' : rel;
    if (this.fixedIgnores(rel, isDir)) return true;
    // The deepest .gitignore that has an opinion wins, as in git (a child's `!pattern` re-includes).
    const dirs = ancestorDirs(rel);
    for (let i = dirs.length - 1; i >= 0; i--) {
      const rules = this.gitignoreOf(dirs[i]);
      if (!rules) continue;
      const relToBase = dirs[i] ? probe.slice(dirs[i].length + 1) : probe;
      const verdict = rules.test(relToBase);
      if (verdict.ignored) return true;
      if (verdict.unignored) return false;
    }
    // Where no .gitignore has an opinion, the repository's local excludes (below every .gitignore, as in git).
    return this.localExcludesRules()?.ignores(probe) ?? false;
  }
}

/** '' and every ancestor directory of a root-relative path: 'a/b/c.ts' -> ['', 'a', 'a/b']. */
function ancestorDirs(rel: string): string[] {
  const out = [''];
  let i = rel.indexOf('/');
  while (i >= 0) { out.push(rel.slice(0, i)); i = rel.indexOf('/', i + 1); }
  return out;
}

/** Root-relative, '/'-separated paths of candidate files under `startDir` (root-relative, '' for all). */
export async function walkFiles(root: string, rules: IgnoreRules, opts: WalkOptions, startDir = ''): Promise<string[]> {
  const out: string[] = [];
  // The real path of each directory entered stops symlink loops (a link to an ancestor, or two links to each other)
  // and second ways into a folder. A folder reached without a link is its parent's real path + its name (no system
  // call); a linked one's real path is resolved anyway, to check that it stays inside the root.
  const visited = new Set<string>();
  let first: string;
  try { first = await fs.promises.realpath(path.join(root, startDir)); } catch { return out; }
  const stack: { dir: string; real: string }[] = [{ dir: startDir, real: first }];
  while (stack.length) {
    if (opts.signal?.aborted) throw abortError();
    const { dir, real } = stack.pop()!;
    const abs = path.join(root, dir);
    if (visited.has(real)) continue;
    visited.add(real);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(abs, { withFileTypes: true });
    } catch {
      continue;   // vanished or unreadable directory: nothing to index there
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    rules.listed(dir, entries.some((e) => e.name === '.gitignore'));
    // Links first (rare, a system call or two each), then every entry in one synchronous pass.
    let links: Map<string, LinkTarget | null> | undefined;
    for (const e of entries) if (e.isSymbolicLink()) (links ??= new Map()).set(e.name, await linkTarget(root, path.join(abs, e.name)));
    const listedBefore = out.length;
    const subdirs = takeEntries(entries, dir, real, links, rules, out);
    if (opts.onFiles && out.length > listedBefore) opts.onFiles(out.slice(listedBefore));
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  return out;
}

/** What a link leads to, when that is inside the root. */
interface LinkTarget { isDir: boolean; isFile: boolean; real: string }

/** A link's target, or null when it resolves outside the root or nowhere (a dangling link). */
async function linkTarget(root: string, link: string): Promise<LinkTarget | null> {
  try {
    // A cloned repository must not make us read ~/.ssh or /etc: only links that stay inside the root count.
    const target = await fs.promises.realpath(link);
    if (!isInsideRoot(root, target)) return null;
    const st = await fs.promises.stat(link);
    return { isDir: st.isDirectory(), isFile: st.isFile(), real: target };
  } catch { return null; }
}

/**
 * A folder's entries (sorted; its links resolved in `links`): files that pass the rules go to `out`; returns the
 * folders to enter, with their real paths. Synchronous and apart from the walk, which awaits between folders.
 */
function takeEntries(entries: fs.Dirent[], dir: string, real: string, links: Map<string, LinkTarget | null> | undefined,
  rules: IgnoreRules, out: string[]): { dir: string; real: string }[] {
  const subdirs: { dir: string; real: string }[] = [];
  for (const e of entries) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    let isDir: boolean; let isFile: boolean;
    let realDir = '';   // a folder's real path, made only for folders
    if (e.isSymbolicLink()) {
      const target = links?.get(e.name);
      if (!target) continue;   // outside the root, or dangling
      isDir = target.isDir; isFile = target.isFile; realDir = target.real;
    } else {
      isDir = e.isDirectory(); isFile = e.isFile();
    }
    if (!isDir && !isFile) continue;   // FIFOs, sockets, devices: reading them could block forever
    if (rules.ignores(rel, isDir)) continue;
    if (isDir) subdirs.push({ dir: rel, real: realDir || path.join(real, e.name) }); else out.push(rel);
  }
  return subdirs;
}

/** Whether a resolved (real) path is the root itself or lies under it; `root` must be a real path too. */
export function isInsideRoot(root: string, real: string): boolean {
  const rel = path.relative(root, real);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

/** The same check for a root-relative path that may pass through links (sync: for single-file updates). */
export function resolvesInsideRoot(root: string, rel: string): boolean {
  try { return isInsideRoot(root, fs.realpathSync(path.join(root, rel))); } catch { return false; }
}

export function abortError(): Error {
  const e = new Error('Indexing was cancelled.');
  e.name = 'AbortError';
  return e;
}
