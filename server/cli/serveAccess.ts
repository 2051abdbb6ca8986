/**
 * Who may use `unisparse serve`. On the network: only clients that present the API key. On loopback, where a
 * key is optional: only requests whose Host names the loopback (a DNS-rebinding page reaches 127.0.0.1 under
 * its own host name) and, from browsers, only loopback or explicitly allowed origins (any web page the user
 * opens could otherwise drive, and read, the local model).
 */
import * as crypto from 'crypto';
import type * as http from 'http';
import { HttpError } from './serveErrors';

export const API_KEY_ENV = 'UNISPARSE_API_KEY';

export interface AccessPolicy {
  /** The address the server listens on. */
  host: string;
  apiKey?: string;
  /** Extra browser origins allowed, e.g. 'https://tools.example.com'. */
  allowedOrigins?: string[];
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.toLowerCase().endsWith('.localhost');
}

/** The host name of a Host header or an origin URL, without the port ('[::1]:8080' -> '::1'). */
function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '');
}

function sameKey(given: string, key: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(key).digest();
  return crypto.timingSafeEqual(a, b);
}

/** Throws the 401/403 a request gets; returns when it may proceed. */
export function checkAccess(req: http.IncomingMessage, policy: AccessPolicy, needsKey = true): void {
  const loopback = isLoopback(policy.host);
  if (loopback) {
    const host = req.headers.host;
    if (!host || !isLoopback(hostName(host))) {
      throw new HttpError(403, `Host '${host ?? ''}' is not this server: it listens on the loopback only. Use http://127.0.0.1 or http://localhost.`);
    }
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let name = '';
    try { name = new URL(origin).hostname; } catch { /* unparsable: refused below */ }
    const allowed = (policy.allowedOrigins ?? []).includes(origin) || (loopback && isLoopback(hostName(name)));
    if (!allowed) throw new HttpError(403, `Requests from the web page at ${origin} are refused. Allow that origin with --allow-origin if you trust it.`);
  } else if (origin === 'null') {
    throw new HttpError(403, 'Requests from an opaque (null) origin are refused.');
  }
  if (policy.apiKey && needsKey) {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    const given = m ? m[1].trim() : (req.headers['x-api-key'] as string | undefined) ?? '';
    if (!given || !sameKey(given, policy.apiKey)) {
      throw new HttpError(401, 'Missing or wrong API key. Send it as "Authorization: Bearer <key>".', undefined, { 'www-authenticate': 'Bearer' });
    }
  }
}
