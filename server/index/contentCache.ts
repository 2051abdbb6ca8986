// On-disk cache of parse results keyed by content (sha1 of the bytes + language), in append-only packs:
// `<dir>/v<FORMAT>/<writer>.pack` holds JSON entries back to back, one per line, and `<writer>.keys` says where each
// is (`<sha1>.<language> <offset> <length>` per line). Every index worker writes its own pack, so nothing is shared
// while writing; entries are batched and appended with one write per pack and one per key list (instead of a file
// created and renamed per entry, which cost a third of the indexing CPU on JavaScript), and a restart reads each hit
// with one positioned read. Content addressing means an entry can never be stale for other bytes; the format version
// in the path retires entries when the record shape or the queries change. An entry that is torn, corrupt or claims
// other bytes is ignored (the file is parsed again and the new entry wins). pruneCache() compacts the packs of earlier
// runs after a build.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { threadId } from 'worker_threads';
import type { ParsedContent } from './fileRecord';
import { contentOfStored, storedContent } from './storedContent';

/** Bump when ParsedContent or its stored form (storedContent.ts), the queries in languages.ts, chunking or the pack layout change. */
export const CACHE_FORMAT_VERSION = 10;

/** Entries wait in memory until this many bytes are pending (or the run ends), then go out in one write. */
const FLUSH_BYTES = 1 << 20;
/** A writer starts a new pack past this size. */
const MAX_PACK_BYTES = 256 << 20;
const KEY_LINE = /^([0-9a-f]{40}\.[A-Za-z0-9_-]+) (\d+) (\d+)$/;

export function defaultCacheDir(root: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const slug = path.resolve(root).replace(/[^A-Za-z0-9]+/g, '_').slice(-80);
  return path.join(base, 'unisparse', 'index', slug);
}

/** Where one entry lives. */
interface EntryPlace { pack: string; offset: number; length: number }

/**
 * A pack name that sorts by time: `<ms since 1970, base 36, 10 digits>-<pid>-<thread>-<random>`. When two packs hold
 * the same key, the later one wins (a corrupt entry is superseded by the parse written after it).
 */
function packName(time = Date.now()): string {
  return `${time.toString(36).padStart(10, '0')}-${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 8)}`;
}

function packTime(name: string): number { return parseInt(name.slice(0, 10), 36) || 0; }

/** Reads `<name>.keys` files: entry key -> place (for a key in several packs, the latest pack's). */
function readKeys(dir: string, names: string[], into: Map<string, EntryPlace>): void {
  for (const name of [...names].sort()) {
    let text: string;
    try { text = fs.readFileSync(path.join(dir, `${name}.keys`), 'latin1'); } catch { continue; }
    for (const line of text.split('\n')) {
      const m = KEY_LINE.exec(line);
      if (m) into.set(m[1], { pack: name, offset: Number(m[2]), length: Number(m[3]) });
    }
  }
}

function packNames(dir: string): string[] {
  try { return fs.readdirSync(dir).filter((f) => f.endsWith('.keys')).map((f) => f.slice(0, -5)); } catch { return []; }
}

export class ContentCache {
  private readonly dir: string;
  /** Entries on disk (loaded on the first lookup; this writer's own entries join once they have landed). */
  private places: Map<string, EntryPlace> | undefined;
  /** Open read descriptors per pack, closed when a run ends (flushed()). */
  private readonly readFds = new Map<string, number>();
  /** Never replaced, only emptied: code optimized while the field held one array is thrown away when it gets another. */
  private readonly pending: { key: string; data: Buffer }[] = [];
  private pendingBytes = 0;
  private pack = '';
  private packBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private broken = false;
  /** Keys this writer has stored (identical files at two paths are stored once). */
  private readonly stored = new Set<string>();

  constructor(dir: string) { this.dir = path.join(dir, `v${CACHE_FORMAT_VERSION}`); }

  private index(): Map<string, EntryPlace> {
    if (!this.places) { this.places = new Map(); readKeys(this.dir, packNames(this.dir), this.places); }
    return this.places;
  }

  /** The cached parse without its term table (recomputed from the text: see chunkTerms.ts). */
  get(hash: string, language: string): Omit<ParsedContent, 'termTable'> | undefined {
    const place = this.index().get(`${hash}.${language}`);
    if (!place) return undefined;
    let raw: string;
    try {
      let fd = this.readFds.get(place.pack);
      if (fd === undefined) { fd = fs.openSync(path.join(this.dir, `${place.pack}.pack`), 'r'); this.readFds.set(place.pack, fd); }
      const buf = Buffer.allocUnsafeSlow(place.length);
      if (fs.readSync(fd, buf, 0, place.length, place.offset) !== place.length) return undefined;
      raw = buf.toString('utf8');
    } catch { return undefined; }   // the pack was compacted away meanwhile: that only costs a parse
    try {
      const entry = JSON.parse(raw);
      if (entry?.version !== CACHE_FORMAT_VERSION || entry.hash !== hash) return undefined;
      return contentOfStored(entry.content, language);
    } catch {
      return undefined;   // torn or corrupt entry: parse again, and the new entry wins
    }
  }

  /**
   * Stores a parse. The JSON is made here; entries are appended to this writer's pack in batches, on the I/O
   * thread pool, so a parsing thread never waits on a busy disk. `flushed()` writes what is pending and resolves
   * when every write so far has landed.
   */
  put(hash: string, language: string, content: ParsedContent): void {
    const key = `${hash}.${language}`;
    if (this.broken || this.stored.has(key)) return;
    this.stored.add(key);
    const data = Buffer.from(JSON.stringify({ version: CACHE_FORMAT_VERSION, hash, content: storedContent(content) }) + '\n');
    this.pending.push({ key, data });
    this.pendingBytes += data.length;
    // Called on every entry, with the test inside (a function this size is not inlined): a call first made a
    // megabyte into a build threw away the optimized code of the worker's per-file function in every worker.
    this.writePending(FLUSH_BYTES);
  }

  /** Writes the pending entries when they are `atLeast` bytes or more. */
  private writePending(atLeast = 1): void {
    const batch = this.pending.slice();
    if (!batch.length || this.pendingBytes < atLeast) return;
    this.pending.length = 0; this.pendingBytes = 0;
    if (!this.pack || this.packBytes > MAX_PACK_BYTES) {
      this.pack = packName();
      this.packBytes = 0;
    }
    const pack = this.pack;
    const placed: [string, EntryPlace][] = [];
    let keys = '';
    for (const e of batch) {
      placed.push([e.key, { pack, offset: this.packBytes, length: e.data.length }]);
      keys += `${e.key} ${this.packBytes} ${e.data.length}\n`;
      this.packBytes += e.data.length;
    }
    const data = Buffer.concat(batch.map((e) => e.data));
    // The key lines go out only after their entries have landed, so a key never points at bytes not yet written.
    this.writing = this.writing
      .then(() => fs.promises.mkdir(this.dir, { recursive: true }))
      .then(() => fs.promises.appendFile(path.join(this.dir, `${pack}.pack`), data))
      .then(() => fs.promises.appendFile(path.join(this.dir, `${pack}.keys`), keys))
      .then(() => { for (const [k, p] of placed) this.index().set(k, p); })
      .catch(() => { this.broken = true; });   // a read-only or full disk only costs speed: the index is in memory
  }

  /** Writes what is pending; resolves when every write so far has landed (or failed), and closes read descriptors. */
  async flushed(): Promise<void> {
    this.writePending();
    await this.writing;
    for (const fd of this.readFds.values()) { try { fs.closeSync(fd); } catch { /* already closed */ } }
    this.readFds.clear();
  }
}

/**
 * Compacts the cache after a full build: the packs of earlier runs (untouched for a second or more, so never one
 * being written) are rewritten as one pack holding only the entries some current file uses (`keep`:
 * `${sha1}.${language}`), and folders of other format versions are deleted. The cache folder must belong to this one
 * repository (the default does); an entry that another index over the same folder still wanted only costs that
 * index a re-parse. Returns the number of entries and folders dropped.
 */
export async function pruneCache(dir: string, keep: Set<string>): Promise<number> {
  const started = Date.now() - 1000;   // mtime granularity: leave alone anything from the last second
  let removed = 0;
  let versions: string[];
  try { versions = await fs.promises.readdir(dir); } catch { return 0; }
  for (const v of versions) {
    if (v !== `v${CACHE_FORMAT_VERSION}` && /^v\d+$/.test(v)) {
      await fs.promises.rm(path.join(dir, v), { recursive: true, force: true }).catch(() => undefined);
      removed++;
    }
  }
  const vdir = path.join(dir, `v${CACHE_FORMAT_VERSION}`);
  const old: string[] = [];
  for (const name of packNames(vdir)) {
    const mtimes = await Promise.all(['pack', 'keys'].map((ext) => fs.promises.stat(path.join(vdir, `${name}.${ext}`)).then((s) => s.mtimeMs, () => 0)));
    if (Math.max(...mtimes) < started) old.push(name);
  }
  // Leftovers of a writer that died before its first key line.
  for (const f of await fs.promises.readdir(vdir).catch(() => [] as string[])) {
    if (f.endsWith('.pack') && !fs.existsSync(path.join(vdir, `${f.slice(0, -5)}.keys`))) {
      const st = await fs.promises.stat(path.join(vdir, f)).catch(() => undefined);
      if (st && st.mtimeMs < started) { await fs.promises.unlink(path.join(vdir, f)).catch(() => undefined); removed++; }
    }
  }
  if (!old.length) return removed;
  const places = new Map<string, EntryPlace>();
  readKeys(vdir, old, places);
  let entries = 0;
  for (const name of old) {
    try { entries += (await fs.promises.readFile(path.join(vdir, `${name}.keys`), 'latin1')).split('\n').filter((l) => KEY_LINE.test(l)).length; } catch { /* gone */ }
  }
  const live = [...places].filter(([key]) => keep.has(key));
  removed += entries - live.length;
  if (live.length === entries && old.length === 1) return removed;   // one pack, nothing dead: nothing to gain
  // Named as old as the oldest pack it replaces, so that every newer pack's entries still win over it.
  const name = packName(Math.min(...old.map(packTime)));
  let keys = '';
  let offset = 0;
  try {
    const byPack = new Map<string, [string, EntryPlace][]>();
    for (const e of live) { const list = byPack.get(e[1].pack) ?? []; list.push(e); byPack.set(e[1].pack, list); }
    for (const [pack, list] of byPack) {
      let buf: Buffer;
      try { buf = await fs.promises.readFile(path.join(vdir, `${pack}.pack`)); } catch { continue; }
      const parts: Buffer[] = [];
      for (const [key, p] of list) {
        if (p.offset + p.length > buf.length) continue;
        parts.push(buf.subarray(p.offset, p.offset + p.length));
        keys += `${key} ${offset} ${p.length}\n`;
        offset += p.length;
      }
      await fs.promises.appendFile(path.join(vdir, `${name}.pack`), Buffer.concat(parts));
    }
    if (keys) await fs.promises.writeFile(path.join(vdir, `${name}.keys`), keys);
  } catch {
    await fs.promises.rm(path.join(vdir, `${name}.pack`), { force: true }).catch(() => undefined);
    return removed;
  }
  for (const pack of old) {
    for (const ext of ['keys', 'pack']) await fs.promises.unlink(path.join(vdir, `${pack}.${ext}`)).catch(() => undefined);
  }
  return removed;
}
