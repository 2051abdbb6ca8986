// One file from path to IndexedFile: read and check the bytes, reuse the cached parse for the same content, or parse.
// Shared by the index workers and the in-process mode (workers: 0).
import { ContentCache } from './contentCache';
import { termTableFor } from './chunkTerms';
import { parseContent, splitLines } from './fileParser';
import type { IndexedFile, ParsedContent } from './fileRecord';
import { readIndexable } from './fileReader';
import { languageForFile } from './languages';

export interface FileJob {
  file: string;   // root-relative
  abs: string;
  /** Hash the index already holds for this file: when the bytes still match, the worker answers 'unchanged'. */
  knownHash?: string;
}

export type FileOutcome =
  | { file: string; status: 'indexed'; record: IndexedFile; fromCache: boolean }
  | { file: string; status: 'unchanged' }
  | { file: string; status: 'skipped'; reason: string }
  | { file: string; status: 'gone' };

export interface IndexerSettings { cacheDir: string | null; maxFileBytes: number }

export class FileIndexer {
  private readonly cache: ContentCache | null;

  constructor(private readonly settings: IndexerSettings) {
    this.cache = settings.cacheDir ? new ContentCache(settings.cacheDir) : null;
  }

  async index(job: FileJob): Promise<FileOutcome> {
    const read = readIndexable(job.abs, this.settings.maxFileBytes);
    if (read.status === 'gone') return { file: job.file, status: 'gone' };
    if (read.status === 'skip') return { file: job.file, status: 'skipped', reason: read.reason };
    if (job.knownHash === read.hash) return { file: job.file, status: 'unchanged' };
    const language = languageForFile(job.file)?.id ?? 'text';
    const cached = this.cache?.get(read.hash, language);
    let content: ParsedContent | undefined = cached && { ...cached, termTable: termTableFor(splitLines(read.text), cached.chunks) };
    const fromCache = !!content;
    if (!content) {
      try {
        content = await parseContent(job.file, read.text, language);
      } catch (e) {
        // A grammar that cannot load must not lose the file: index it as plain text and say why.
        content = await parseContent(job.file, read.text, 'text');
        content.language = `text (${language} parser failed: ${(e as Error).message})`.slice(0, 200);
      }
      if (content.language === language) this.cache?.put(read.hash, language, content);
    }
    for (const d of content.defs) d.file = job.file;   // cached entries are shared by identical files at other paths
    return { file: job.file, status: 'indexed', fromCache,
      record: { ...content, file: job.file, hash: read.hash, bytes: read.bytes, text: read.text } };
  }
}
