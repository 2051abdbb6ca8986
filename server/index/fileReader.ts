// Reads one file for indexing and decides whether its bytes are source text. Opens non-blocking and checks the
// type on the open descriptor, so a file swapped for a FIFO between listing and reading cannot hang the worker.
import * as buffer from 'buffer';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { nativeIndexing } from './nativeIndexing';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** A line this long means generated or minified content (or data), which would swamp any context it joins. */
export const MAX_LINE_CHARS = 10_000;

/**
 * What reading a file found: 'ok' with its bytes, or why not. One object shape for all three (the fields that do not
 * apply are empty): the worker's per-file code reads it, and a second shape would throw its compiled code away.
 */
export interface ReadResult { status: 'ok' | 'skip' | 'gone'; bytes: number; hash: string; text: string; reason: string }

const gone = (): ReadResult => ({ status: 'gone', bytes: 0, hash: '', text: '', reason: '' });
const skip = (reason: string): ReadResult => ({ status: 'skip', bytes: 0, hash: '', text: '', reason });

const decoder = new TextDecoder('utf-8', { fatal: false });   // invalid UTF-8 becomes U+FFFD instead of throwing

/**
 * The bytes of the file being read, reused from file to file on this thread (grown to the largest file read): a
 * fresh buffer per file cost an allocation, page faults and a collection of external memory, for bytes that live
 * only until they are decoded and hashed. A file larger than SCRATCH_MAX_BYTES (a raised maxFileBytes) gets its own.
 */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
const SCRATCH_MAX_BYTES = 4 << 20;

/** What nativeIndexing's readSource reports (native/src/indexing/source_file.h), and where. */
const enum SourceStatus { Ok = 0, OpenFailed = 1, NotRegular = 2, TooLarge = 3, NeedBuffer = 4, ReadFailed = 5 }
const readOut = new Float64Array(7);   // [status, errno, size, bytes read, NUL seen, all ASCII, longest line]

/** errno number -> code ('ENOENT'), as Node's errors name them. */
let errnoCodes: Map<number, string> | undefined;
function errnoCode(errno: number): string {
  errnoCodes ??= new Map(Object.entries(os.constants.errno).map(([code, n]) => [n, code]));
  return errnoCodes.get(errno) ?? `errno ${errno}`;
}

/**
 * Reads `abs` for indexing: its text and sha1 when it is source text, else why not. The file calls and the byte
 * checks run in one call into the index helpers' addon where it is built (readSource), else in
 * readIndexableInScript, its twin: the same results, reason for reason (test/unit/index/nativeIndexing.test.ts).
 */
export function readIndexable(abs: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
  const readSource = nativeIndexing()?.readSource;
  if (!readSource) return readIndexableInScript(abs, maxBytes);
  let buf = scratch;
  for (let attempt = 0; attempt < 3; attempt++) {
    readSource(abs, maxBytes, buf, readOut);
    const status = readOut[0];
    if (status === SourceStatus.NeedBuffer) {   // larger than the buffer: grow it (or, past its limit, one of its own)
      const size = readOut[2];
      if (size <= SCRATCH_MAX_BYTES) buf = scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, Math.max(size, scratch.length * 2)));
      else buf = Buffer.allocUnsafe(size);
      continue;
    }
    if (status === SourceStatus.OpenFailed) {
      const code = errnoCode(readOut[1]);
      return code === 'ENOENT' || code === 'ENOTDIR' ? gone() : skip(`cannot be opened (${code})`);
    }
    if (status === SourceStatus.ReadFailed) {
      const code = errnoCode(readOut[1]);
      return code === 'ENOENT' ? gone() : skip(`cannot be read (${code})`);
    }
    if (status === SourceStatus.NotRegular) return skip('not a regular file');
    if (status === SourceStatus.TooLarge) return skip(`larger than ${maxBytes} bytes (${readOut[2]})`);
    const got = readOut[3];
    const bytes = buf.subarray(0, got);
    if (readOut[4] !== 0) return skip('binary (contains NUL bytes)');
    const ascii = readOut[5] !== 0;
    const text = ascii ? bytes.toString('latin1') : decoder.decode(bytes);
    const longest = ascii ? readOut[6] : longestLine(text);
    if (longest > MAX_LINE_CHARS) return skip(`minified or generated (a line of ${longest} characters)`);
    return { status: 'ok', bytes: got, hash: sha1(bytes), text, reason: '' };
  }
  return readIndexableInScript(abs, maxBytes);   // it kept growing while being read
}

/** readIndexable in JavaScript: where the addon is not built, and what its readSource is tested against. */
export function readIndexableInScript(abs: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return gone();
    return skip(`cannot be opened (${code ?? (e as Error).message})`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return skip('not a regular file');
    if (st.size > maxBytes) return skip(`larger than ${maxBytes} bytes (${st.size})`);
    if (scratch.length < st.size && st.size <= SCRATCH_MAX_BYTES) scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, Math.max(st.size, scratch.length * 2)));
    const buf = scratch.length >= st.size ? scratch : Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;   // truncated while we read: index what is there
      got += n;
    }
    const bytes = buf.subarray(0, got);
    if (bytes.subarray(0, 8192).includes(0)) return skip('binary (contains NUL bytes)');
    // Most source is ASCII: then the bytes are the characters (a third of the decoder's time; same string).
    const text = isAscii(bytes) ? bytes.toString('latin1') : decoder.decode(bytes);
    const longest = longestLine(text);
    if (longest > MAX_LINE_CHARS) return skip(`minified or generated (a line of ${longest} characters)`);
    return { status: 'ok', bytes: got, hash: sha1(bytes), text, reason: '' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return gone();
    return skip(`cannot be read (${code ?? (e as Error).message})`);
  } finally {
    fs.closeSync(fd);
  }
}

/** buffer.isAscii where this Node has it (19.6+); else every file goes through the decoder. */
const isAscii: (bytes: Buffer) => boolean = typeof buffer.isAscii === 'function' ? buffer.isAscii : () => false;

/** Hex sha1: the one-shot crypto.hash where this Node has it (20.12+; no Hash object per file), else a Hash. */
const sha1: (bytes: Buffer) => string = typeof crypto.hash === 'function'
  ? (bytes) => crypto.hash('sha1', bytes, 'hex')
  : (bytes) => crypto.createHash('sha1').update(bytes).digest('hex');

function longestLine(text: string): number {
  let longest = 0; let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    if (i - start > longest) longest = i - start;
    start = i + 1;
  }
  return Math.max(longest, text.length - start);
}
