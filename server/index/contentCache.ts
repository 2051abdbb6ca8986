// On-disk cache of parse results keyed by content: `<dir>/v<FORMAT>/<sha1 prefix>/<sha1>.<language>.json`.
// Content addressing means an entry can never be stale for other bytes; the format version in the path retires
// entries when the record shape or the queries change. Entries are written to a temp file and renamed (atomic on
// POSIX), and any entry that fails to parse or validate is ignored and rewritten.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ParsedContent } from './fileRecord';

/** Bump when ParsedContent, the queries in languages.ts, or chunking change. */
export const CACHE_FORMAT_VERSION = 4;

export function defaultCacheDir(root: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const slug = path.resolve(root).replace(/[^A-Za-z0-9]+/g, '_').slice(-80);
  return path.join(base, 'unisparse', 'index', slug);
}

export class ContentCache {
  private readonly dir: string;

  private readonly madeDirs = new Set<string>();

  constructor(dir: string) { this.dir = path.join(dir, `v${CACHE_FORMAT_VERSION}`); }

  private entryPath(hash: string, language: string): string {
    return path.join(this.dir, hash.slice(0, 2), `${hash}.${language}.json`);
  }

  /** Entry names per shard folder, listed once: a miss then costs a set lookup, not a failed open. */
  private readonly listed = new Map<string, Set<string>>();

  private shardEntries(hash: string): Set<string> {
    const shard = hash.slice(0, 2);
    let names = this.listed.get(shard);
    if (!names) {
      try { names = new Set(fs.readdirSync(path.join(this.dir, shard))); } catch { names = new Set(); }
      this.listed.set(shard, names);
    }
    return names;
  }

  /** The cached parse without its term table (recomputed from the text: see chunkTerms.ts). */
  get(hash: string, language: string): Omit<ParsedContent, 'termTable'> | undefined {
    // Another worker may have written the entry since the listing: that only costs a parse.
    if (!this.shardEntries(hash).has(`${hash}.${language}.json`)) return undefined;
    let raw: string;
    try { raw = fs.readFileSync(this.entryPath(hash, language), 'utf8'); } catch { return undefined; }
    try {
      const entry = JSON.parse(raw);
      if (entry?.version !== CACHE_FORMAT_VERSION || entry.hash !== hash || !isParsedContent(entry.content, language)) return undefined;
      return entry.content as Omit<ParsedContent, 'termTable'>;
    } catch {
      return undefined;   // torn or corrupt entry: parse again and overwrite it
    }
  }

  /** Writes in flight (see put). */
  private readonly pending = new Set<Promise<void>>();

  /**
   * Stores a parse. The JSON is made here; the write and the rename run on the I/O thread pool, so a parsing thread
   * never waits on a busy disk. `flushed()` resolves when every write so far has landed.
   */
  put(hash: string, language: string, content: ParsedContent): void {
    const target = this.entryPath(hash, language);
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    let json: string;
    try {
      const dir = path.dirname(target);
      if (!this.madeDirs.has(dir)) { fs.mkdirSync(dir, { recursive: true }); this.madeDirs.add(dir); }
      const { termTable: _derived, ...stored } = content;
      json = JSON.stringify({ version: CACHE_FORMAT_VERSION, hash, content: stored });
    } catch {
      return;   // a read-only disk only costs speed: the index itself is in memory
    }
    const write = fs.promises.writeFile(tmp, json)
      .then(() => fs.promises.rename(tmp, target))
      .then(() => { this.shardEntries(hash).add(path.basename(target)); },
        () => fs.promises.unlink(tmp).catch(() => undefined))
      .finally(() => { this.pending.delete(write); });
    this.pending.add(write);
  }

  /** Resolves when the writes started so far have landed (or failed). */
  async flushed(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

function isParsedContent(c: unknown, language: string): boolean {
  const p = c as ParsedContent;
  return !!p && p.language === language && typeof p.lineCount === 'number' && Array.isArray(p.defs) &&
    Array.isArray(p.chunks) && Array.isArray(p.imports) && typeof p.refs === 'object' && p.refs !== null &&
    p.defs.every((d) => typeof d.name === 'string' && typeof d.startLine === 'number' && typeof d.endLine === 'number') &&
    p.chunks.every((k) => typeof k.startLine === 'number' && typeof k.length === 'number');
}

/**
 * Deletes cache entries no current file uses (older versions of edited files, deleted files, torn temp files) and
 * directories of other format versions. The cache folder must belong to this one repository (the default does). Runs in the background after a full build; an entry that another index over the same
 * folder still wanted only costs that index a re-parse. Returns the number of files removed.
 */
export async function pruneCache(dir: string, keep: Set<string> /* `${sha1}.${language}` */): Promise<number> {
  const started = Date.now() - 1000;   // mtime granularity: keep anything from the last second
  let removed = 0;
  let versions: string[];
  try { versions = await fs.promises.readdir(dir); } catch { return 0; }
  for (const v of versions) {
    const vdir = path.join(dir, v);
    if (v !== `v${CACHE_FORMAT_VERSION}`) {
      if (/^v\d+$/.test(v)) { await fs.promises.rm(vdir, { recursive: true, force: true }).catch(() => undefined); removed++; }
      continue;
    }
    let shards: string[];
    try { shards = await fs.promises.readdir(vdir); } catch { continue; }
    for (const shard of shards) {
      let entries: string[];
      try { entries = await fs.promises.readdir(path.join(vdir, shard)); } catch { continue; }
      for (const e of entries) {
        if (e.endsWith('.json') && keep.has(e.slice(0, -5))) continue;
        const file = path.join(vdir, shard, e);
        // Written since the clean-up started (an update, another index of this folder): not ours to judge.
        const st = await fs.promises.stat(file).catch(() => undefined);
        if (!st || st.mtimeMs >= started) continue;
        await fs.promises.unlink(file).then(() => { removed++; }, () => undefined);
      }
    }
  }
  return removed;
}
