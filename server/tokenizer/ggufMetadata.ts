/**
 * Reads the header and metadata key/values of a GGUF file in plain JS, without the native addon,
 * so that the language server can count tokens (and the CLI can validate a model path) before any
 * native code loads. Only the metadata section is read; tensor data is never touched.
 */
import * as fs from 'fs';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufMetadata {
  version: number;
  tensorCount: number;
  metadata: Map<string, GgufValue>;
}

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian

const enum ValueType {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7, STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
}

/** Thrown for a file that is not a readable GGUF; the message names the file and the fix. */
export class GgufFormatError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}. Point --model (or the unisparse.model setting) at a valid .gguf file, or run \`unisparse fetch-model\`.`);
    this.name = 'GgufFormatError';
  }
}

/**
 * Pulls bytes from the file on demand: the vocabulary of a code model is a few MB of metadata at the
 * start of a file that can be many GB, so reading the whole file would be wasteful.
 */
class ChunkedFileReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0; // file offset of buf[0]
  pos = 0;
  private readonly size: number;

  constructor(private readonly fd: number, private readonly file: string) {
    this.size = fs.fstatSync(fd).size;
  }

  private ensure(n: number): void {
    const end = this.pos + n;
    if (end <= this.bufStart + this.buf.length) return;
    if (end > this.size) throw new GgufFormatError(this.file, `the file is truncated (metadata needs byte ${end}, the file has ${this.size})`);
    // Keep the unread tail, then read a generous chunk so small reads do not each hit the disk.
    const keepFrom = this.pos - this.bufStart;
    const want = Math.min(this.size - this.pos, Math.max(n, 4 << 20));
    const next = Buffer.alloc(want);
    const tail = this.buf.subarray(keepFrom);
    tail.copy(next, 0);
    let filled = tail.length;
    while (filled < want) {
      const got = fs.readSync(this.fd, next, filled, want - filled, this.pos + filled);
      if (got <= 0) break;
      filled += got;
    }
    this.buf = next.subarray(0, filled);
    this.bufStart = this.pos;
    if (end > this.bufStart + this.buf.length) throw new GgufFormatError(this.file, 'the file is truncated inside its metadata');
  }

  private view(n: number): Buffer {
    this.ensure(n);
    const off = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(off, off + n);
  }

  u8(): number { return this.view(1).readUInt8(0); }
  i8(): number { return this.view(1).readInt8(0); }
  u16(): number { return this.view(2).readUInt16LE(0); }
  i16(): number { return this.view(2).readInt16LE(0); }
  u32(): number { return this.view(4).readUInt32LE(0); }
  i32(): number { return this.view(4).readInt32LE(0); }
  f32(): number { return this.view(4).readFloatLE(0); }
  f64(): number { return this.view(8).readDoubleLE(0); }
  u64(): bigint { return this.view(8).readBigUInt64LE(0); }
  i64(): bigint { return this.view(8).readBigInt64LE(0); }

  /** A u64 that must fit a JS number and stay below `limit` (guards against garbage lengths). */
  count(what: string, limit: number): number {
    const v = this.u64();
    if (v > BigInt(limit)) throw new GgufFormatError(this.file, `${what} is ${v}, which is not plausible (corrupt metadata?)`);
    return Number(v);
  }

  string(): string {
    const len = this.count('a string length', this.size);
    return this.view(len).toString('utf8');
  }
}

function readValue(r: ChunkedFileReader, type: number, key: string, file: string): GgufValue {
  switch (type) {
    case ValueType.U8: return r.u8();
    case ValueType.I8: return r.i8();
    case ValueType.U16: return r.u16();
    case ValueType.I16: return r.i16();
    case ValueType.U32: return r.u32();
    case ValueType.I32: return r.i32();
    case ValueType.F32: return r.f32();
    case ValueType.F64: return r.f64();
    case ValueType.BOOL: return r.u8() !== 0;
    case ValueType.STRING: return r.string();
    case ValueType.U64: { const v = r.u64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
    case ValueType.I64: { const v = r.i64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v; }
    case ValueType.ARRAY: {
      const elemType = r.u32();
      const n = r.count(`the length of array ${key}`, 1 << 28);
      const out: GgufValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r, elemType, key, file);
      return out;
    }
    default:
      throw new GgufFormatError(file, `metadata key ${key} has unknown value type ${type}`);
  }
}

/** True when the file starts with the GGUF magic (cheap check used to pick the tokenizer source). */
export function isGgufFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(4);
    return fs.readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32LE(0) === GGUF_MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Reads every metadata key/value of a GGUF file (versions 2 and 3). */
export function readGgufMetadata(file: string): GgufMetadata {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new GgufFormatError(file, `cannot open the model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const r = new ChunkedFileReader(fd, file);
    const magic = r.u32();
    if (magic !== GGUF_MAGIC) throw new GgufFormatError(file, 'not a GGUF file (wrong magic number)');
    const version = r.u32();
    if (version < 2 || version > 3) throw new GgufFormatError(file, `unsupported GGUF version ${version} (2 and 3 are supported)`);
    const tensorCount = r.count('the tensor count', 1 << 24);
    const kvCount = r.count('the metadata count', 1 << 20);
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = r.string();
      const type = r.u32();
      metadata.set(key, readValue(r, type, key, file));
    }
    return { version, tensorCount, metadata };
  } finally {
    fs.closeSync(fd);
  }
}
