/**
 * Reads a request's JSON body with a size limit. A body over the limit is answered with 413 once the rest of it
 * has been drained and dropped: closing the socket under a client that is still sending makes the kernel reset
 * the connection, and the client never reads the 413 (it sees ECONNRESET or EPIPE instead). Answering before the
 * drain ends is not enough either: the response's `Connection: close` shuts the socket as soon as it is written.
 */
import type * as http from 'http';
import { HttpError } from './serveErrors';

export const DEFAULT_MAX_BODY_BYTES = 8 << 20;
/** Past this many dropped bytes (or seconds) a client that keeps sending is cut off. */
const MAX_DRAIN_BYTES = 256 << 20;
const MAX_DRAIN_MS = 30_000;

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, `The request body is larger than ${limit} bytes. Send a shorter prompt.`, undefined, { connection: 'close' });
}

/**
 * Drops the rest of a request body, bounded, and calls `done` once: when the body has ended (the response can be
 * sent and the connection closed without resetting a client that is still sending) or when the request was cut off.
 */
export function drain(req: http.IncomingMessage, done: () => void = () => {}): void {
  let dropped = 0, called = false;
  const finish = () => { clearTimeout(timer); if (!called) { called = true; done(); } };
  const timer = setTimeout(() => req.destroy(), MAX_DRAIN_MS);
  timer.unref();
  req.removeAllListeners('data');
  req.on('data', (d: Buffer) => { dropped += d.length; if (dropped > MAX_DRAIN_BYTES) req.destroy(); });
  req.on('end', finish);
  req.on('close', finish);
  if (req.readableEnded) finish();
  req.resume();
}

/** JSON content type: a cross-site form or `text/plain` POST (no CORS preflight) is refused before any work. */
export function requireJson(req: http.IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, `Send the request body as JSON with 'Content-Type: application/json' (got '${type || 'none'}').`);
  }
}

export function readJsonBody(req: http.IncomingMessage, limit = DEFAULT_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return new Promise((_, reject) => drain(req, () => reject(tooLarge(limit))));
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    const onData = (d: Buffer) => {
      size += d.length;
      if (size > limit) { parts.length = 0; req.off('data', onData); drain(req, () => reject(tooLarge(limit))); return; }
      parts.push(d);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (size > limit) return;
      let body: unknown;
      try { body = JSON.parse(Buffer.concat(parts).toString('utf8')); } catch { body = undefined; }
      if (!body || typeof body !== 'object' || Array.isArray(body)) reject(new HttpError(400, 'The request body must be a JSON object.'));
      else resolve(body as Record<string, unknown>);
    });
    req.on('error', reject);
  });
}
