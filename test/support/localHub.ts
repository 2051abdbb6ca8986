/**
 * A local stand-in for the Hugging Face hub on 127.0.0.1: files under `/<repo>/resolve/<revision>/<file>` answer
 * with a 302 to a storage path (as the hub does for LFS files, with X-Linked-Etag / X-Linked-Size), and the storage
 * path serves the bytes with HTTP Range support. Knobs let a test cut a connection, publish a wrong hash or refuse
 * ranges.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface HubFileSpec {
  repo: string;
  revision: string;
  file: string;
  /** The bytes, or a path whose content is served (for large real files). */
  content: Buffer | { path: string };
  /** Published sha256 (default: the real one). */
  publishedSha256?: string;
}

export interface LocalHub {
  endpoint: string;
  /** Requests seen, e.g. 'GET /org/m/resolve/main/f.gguf' and the Range headers of storage requests. */
  log: { path: string; range?: string }[];
  /** Cut the next N storage responses after this many bytes. */
  cutAfter: { bytes: number; times: number };
  /** Ignore Range headers (answer 200 with the whole file). */
  ignoreRanges: boolean;
  close(): Promise<void>;
}

function bytesOf(spec: HubFileSpec): Buffer {
  return Buffer.isBuffer(spec.content) ? spec.content : fs.readFileSync(spec.content.path);
}

export async function startLocalHub(files: HubFileSpec[]): Promise<LocalHub> {
  const byResolve = new Map<string, HubFileSpec & { sha256: string; size: number; storage: string }>();
  const byStorage = new Map<string, Buffer | { path: string }>();
  files.forEach((f, i) => {
    const data = bytesOf(f);
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    const storage = `/storage/${i}/${encodeURIComponent(f.file)}`;
    byResolve.set(`/${f.repo}/resolve/${encodeURIComponent(f.revision)}/${f.file}`, { ...f, sha256, size: data.length, storage });
    byStorage.set(storage, f.content);
  });
  const hub: LocalHub = {
    endpoint: '',
    log: [],
    cutAfter: { bytes: 0, times: 0 },
    ignoreRanges: false,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const range = req.headers.range;
    hub.log.push({ path: url.pathname, range });
    const resolved = byResolve.get(decodeURIComponent(url.pathname).replace(/\/resolve\/([^/]+)\//, (_m, rev) => `/resolve/${encodeURIComponent(rev)}/`));
    if (resolved) {
      res.writeHead(302, {
        Location: resolved.storage,
        'X-Linked-Etag': `"${resolved.publishedSha256 ?? resolved.sha256}"`,
        'X-Linked-Size': String(resolved.size),
      });
      return res.end();
    }
    const content = byStorage.get(url.pathname);
    if (!content) { res.writeHead(404); return res.end('Entry not found'); }
    const data = Buffer.isBuffer(content) ? content : fs.readFileSync(content.path);
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !hub.ignoreRanges) {
      start = Number(m[1]);
      if (start >= data.length) { res.writeHead(416, { 'Content-Range': `bytes */${data.length}` }); return res.end(); }
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}`, 'Content-Length': String(data.length - start) });
    } else {
      res.writeHead(200, { 'Content-Length': String(data.length) });
    }
    const body = data.subarray(start);
    if (hub.cutAfter.times > 0 && body.length > hub.cutAfter.bytes) {
      hub.cutAfter.times--;
      // Send part of the body, then drop the connection, as a flaky network would.
      res.write(body.subarray(0, hub.cutAfter.bytes), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return hub;
}
