/**
 * Downloads one file from the Hugging Face hub (or any server with its URL layout,
 * `<endpoint>/<repo>/resolve/<revision>/<file>`): follows redirects to the storage host, resumes a partial
 * download with an HTTP Range request (after a cut connection, or in a later run), reports progress, verifies
 * the sha256 and only then moves the file into place. The endpoint is `HF_ENDPOINT` when set, as in
 * huggingface_hub; `HF_TOKEN` is sent for gated repositories.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubFile {
  repo: string;
  revision: string;
  file: string;
}

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

export function hubFileUrl(endpoint: string, f: HubFile): string {
  const file = f.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${f.repo}/resolve/${encodeURIComponent(f.revision)}/${file}`;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  /** Expected sha256 (hex). Without it the hub's published one (X-Linked-Etag) is used when present. */
  sha256?: string;
  onProgress?: (done: number, total: number | undefined) => void;
  /** Status lines: resuming, retrying, what was verified. */
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Attempts after a cut connection or a server error (default 5). */
  retries?: number;
  retryDelayMs?: number;
  /** A connection that sends nothing for this long counts as cut (default 30 s). */
  idleTimeoutMs?: number;
  headers?: Record<string, string>;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Bytes that were already on disk from an earlier, interrupted download. */
  resumedFrom: number;
  /** Where the checksum that was checked came from. */
  verifiedAgainst: 'catalog' | 'hub' | 'none';
}

/** The machine cannot reach the server at all (no network, DNS, refused): retrying now will not help. */
export class OfflineError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'OfflineError';
  }
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

interface Response {
  res: http.IncomingMessage;
  /** sha256 the hub publishes for an LFS file, from any hop of the redirect chain. */
  linkedSha256?: string;
  linkedSize?: number;
}

class CutConnection extends Error {}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function shaFromEtag(etag: string | undefined): string | undefined {
  const m = /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(etag?.trim() ?? '');
  return m ? m[1].toLowerCase() : undefined;
}

function get(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, idleTimeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!lib) return reject(new Error(`${url}: only http and https downloads are supported.`));
    const req = lib.get(u, { headers, signal }, resolve);
    req.setTimeout(idleTimeoutMs, () => req.destroy(Object.assign(new Error(`no data from ${u.host} for ${idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

async function open(url: string, from: number, opts: DownloadOptions): Promise<Response> {
  const headers: Record<string, string> = { 'User-Agent': 'unisparse-code', ...(opts.headers ?? {}) };
  if (from > 0) headers.Range = `bytes=${from}-`;
  let current = url;
  let linkedSha256: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await get(current, headers, opts.signal, opts.idleTimeoutMs ?? 30_000);
    linkedSha256 ??= shaFromEtag(header(res, 'x-linked-etag'));
    const size = Number(header(res, 'x-linked-size'));
    if (linkedSize === undefined && Number.isFinite(size) && size > 0) linkedSize = size;
    const location = header(res, 'location');
    if (REDIRECTS.has(res.statusCode ?? 0) && location) {
      res.resume();
      const next = new URL(location, current);
      // The token is for the hub, not for the storage host a redirect may lead to.
      if (next.host !== new URL(current).host) delete headers.Authorization;
      current = next.toString();
      continue;
    }
    return { res, linkedSha256, linkedSize };
  }
  throw new Error(`${url}: more than ${MAX_REDIRECTS} redirects.`);
}

function sizeOf(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}

function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/** Appends the body to `part`; resolves with the bytes written, rejects when the connection drops. */
function receive(res: http.IncomingMessage, part: string, append: boolean, onBytes: (n: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
    let written = 0;
    let failed: Error | undefined;
    res.on('data', (d: Buffer) => { written += d.length; onBytes(d.length); });
    res.on('aborted', () => { failed = new CutConnection('the connection closed early'); });
    res.on('error', (e) => { failed ??= new CutConnection(`the connection closed early (${e.message})`); });
    res.pipe(out);
    out.on('error', reject);
    out.on('finish', () => (failed ? reject(failed) : resolve(written)));
    res.on('close', () => { if (!res.complete) { failed ??= new CutConnection('the connection closed early'); out.end(); } });
  });
}

function retryable(e: unknown): boolean {
  if (e instanceof CutConnection) return true;
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE' || code === 'ECONNABORTED' || (e as { retry?: boolean })?.retry === true;
}

function offlineMessage(opts: DownloadOptions, code: string, kept: number): string {
  const u = new URL(opts.url);
  return `Cannot reach ${u.protocol}//${u.host} (${code}): this machine looks offline, or a proxy or firewall blocks it. ` +
    `Download ${opts.url} on a machine with network and pass --model /path/to/the/file (or set unisparse.model.path), ` +
    `or set HF_ENDPOINT to a reachable mirror.` + (kept > 0 ? ` The ${kept} bytes already downloaded are kept and the next attempt resumes.` : '');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const part = `${opts.dest}.part`;
  const log = opts.log ?? (() => undefined);
  const retries = opts.retries ?? 5;
  const resumedFrom = sizeOf(part);
  let attempt = 0;
  let hubSha: string | undefined;
  let total: number | undefined;
  if (resumedFrom > 0) log(`resuming ${opts.dest} from ${resumedFrom} bytes`);
  for (;;) {
    const have = sizeOf(part);
    try {
      const { res, linkedSha256, linkedSize } = await open(opts.url, have, opts);
      hubSha ??= linkedSha256;
      total ??= linkedSize;
      const status = res.statusCode ?? 0;
      if (status === 416) {
        res.resume();
        // Nothing left to send: the partial file is already complete, or it is longer than the file.
        const whole = Number(/\/(\d+)$/.exec(header(res, 'content-range') ?? '')?.[1]);
        if (Number.isFinite(whole) && whole === have) { total = whole; break; }
        fs.rmSync(part, { force: true });
        if (++attempt > retries) throw new Error(`${opts.url}: the server refused every byte range.`);
        continue;
      }
      if (status === 404) { res.resume(); throw new Error(`${opts.url} was not found (404): check the repository, revision and file name.`); }
      if (status === 401 || status === 403) {
        res.resume();
        throw new Error(`${opts.url} needs authorisation (${status}): accept the model's licence on the hub and set HF_TOKEN.`);
      }
      if (status >= 500) { res.resume(); throw Object.assign(new Error(`${opts.url}: server error ${status}`), { retry: true }); }
      if (status !== 200 && status !== 206) { res.resume(); throw new Error(`${opts.url}: unexpected HTTP status ${status}.`); }
      let start = 0;
      if (status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(res, 'content-range') ?? '');
        start = m ? Number(m[1]) : -1;
        if (m && m[3] !== '*') total = Number(m[3]);
        if (start !== have) { res.resume(); fs.rmSync(part, { force: true }); throw Object.assign(new Error('the server resumed at the wrong offset'), { retry: true }); }
      } else {
        const length = Number(header(res, 'content-length'));
        if (Number.isFinite(length)) total = length;
        if (have > 0) log('the server does not resume downloads; starting again from the beginning');
      }
      let done = start;
      opts.onProgress?.(done, total);
      await receive(res, part, start > 0, (n) => { done += n; opts.onProgress?.(done, total); });
      if (total !== undefined && sizeOf(part) < total) throw new CutConnection('the connection closed early');
      break;
    } catch (e) {
      if (opts.signal?.aborted) {
        const err = new Error(`The download was cancelled; ${sizeOf(part)} bytes are kept and the next attempt resumes.`);
        err.name = 'AbortError';
        throw err;
      }
      const code = (e as NodeJS.ErrnoException)?.code;
      if (code && OFFLINE_CODES.has(code)) throw new OfflineError(offlineMessage(opts, code, sizeOf(part)), code);
      if (retryable(e) && attempt < retries) {
        attempt++;
        log(`${(e as Error).message}; resuming from ${sizeOf(part)} bytes (attempt ${attempt} of ${retries})`);
        await sleep((opts.retryDelayMs ?? 1000) * attempt);
        continue;
      }
      throw e;
    }
  }
  const bytes = sizeOf(part);
  const expected = opts.sha256?.toLowerCase() ?? hubSha;
  const sha = await sha256OfFile(part);
  if (expected && sha !== expected) {
    fs.rmSync(part, { force: true });
    throw new Error(`${opts.url}: the downloaded file has sha256 ${sha}, expected ${expected}; it was deleted. ` +
      'Run the download again; if it keeps failing, the file on the server changed or a proxy altered it.');
  }
  if (!expected) log(`no published sha256 for ${opts.url}; only its size (${bytes} bytes) was checked`);
  fs.renameSync(part, opts.dest);
  return { path: opts.dest, bytes, sha256: sha, resumedFrom, verifiedAgainst: opts.sha256 ? 'catalog' : hubSha ? 'hub' : 'none' };
}
