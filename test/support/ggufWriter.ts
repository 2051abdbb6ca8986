// Writes GGUF v3 files byte for byte as ggml's gguf.cpp reads them: header, metadata key/values of
// every GGUF value type, tensor infos, then the aligned tensor data.
import * as fs from 'fs';
import { GgmlTypeName, GGML_TYPES, ggmlByteSize } from './ggmlTypes';

export type GgufScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64';
export type GgufScalar = number | bigint | boolean | string;
export type GgufValue =
  | { type: GgufScalarType; value: GgufScalar }
  | { type: 'array'; itemType: GgufScalarType; values: GgufScalar[] };

/** GGUF value type ids (gguf.h). */
const VALUE_TYPE_ID: Record<GgufScalarType | 'array', number> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
};

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the fastest-varying (row length), i.e. PyTorch's shape reversed. */
  dims: number[];
  type: GgmlTypeName;
  data: Uint8Array;
  /** Test hook: write this type id instead of the real one (to craft unknown-type files). */
  typeIdOverride?: number;
}

export interface GgufFile {
  metadata: [string, GgufValue][];
  tensors: GgufTensor[];
  /** general.alignment; written to the metadata when it is not the default 32. */
  alignment?: number;
}

/** Growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private reserve(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(x: number) { this.reserve(1); this.view.setUint8(this.length, x); this.length += 1; }
  i8(x: number) { this.reserve(1); this.view.setInt8(this.length, x); this.length += 1; }
  u16(x: number) { this.reserve(2); this.view.setUint16(this.length, x, true); this.length += 2; }
  i16(x: number) { this.reserve(2); this.view.setInt16(this.length, x, true); this.length += 2; }
  u32(x: number) { this.reserve(4); this.view.setUint32(this.length, x, true); this.length += 4; }
  i32(x: number) { this.reserve(4); this.view.setInt32(this.length, x, true); this.length += 4; }
  f32(x: number) { this.reserve(4); this.view.setFloat32(this.length, x, true); this.length += 4; }
  f64(x: number) { this.reserve(8); this.view.setFloat64(this.length, x, true); this.length += 8; }
  u64(x: number | bigint) { this.reserve(8); this.view.setBigUint64(this.length, BigInt(x), true); this.length += 8; }
  i64(x: number | bigint) { this.reserve(8); this.view.setBigInt64(this.length, BigInt(x), true); this.length += 8; }
  bytes(b: Uint8Array) { this.reserve(b.length); this.buf.set(b, this.length); this.length += b.length; }
  string(s: string) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.bytes(b); }
  padTo(alignment: number) { while (this.length % alignment) this.u8(0); }
  result(): Uint8Array { return this.buf.slice(0, this.length); }
}

function writeScalar(w: ByteWriter, type: GgufScalarType, v: GgufScalar): void {
  switch (type) {
    case 'u8': return w.u8(Number(v));
    case 'i8': return w.i8(Number(v));
    case 'u16': return w.u16(Number(v));
    case 'i16': return w.i16(Number(v));
    case 'u32': return w.u32(Number(v));
    case 'i32': return w.i32(Number(v));
    case 'f32': return w.f32(Number(v));
    case 'f64': return w.f64(Number(v));
    case 'u64': return w.u64(typeof v === 'bigint' ? v : Number(v));
    case 'i64': return w.i64(typeof v === 'bigint' ? v : Number(v));
    case 'bool': return w.u8(v ? 1 : 0);
    case 'string': return w.string(String(v));
  }
}

/** Serialises a GGUF file to bytes. */
export function encodeGguf(file: GgufFile): Uint8Array {
  return encodeGgufWithLayout(file).bytes;
}

/** Serialises and also says where the header (tensor infos) ends and where the aligned data starts. */
export function encodeGgufWithLayout(file: GgufFile): { bytes: Uint8Array; headerEnd: number; dataStart: number } {
  const alignment = file.alignment ?? 32;
  const metadata = [...file.metadata];
  if (alignment !== 32 && !metadata.some(([k]) => k === 'general.alignment')) {
    metadata.push(['general.alignment', { type: 'u32', value: alignment }]);
  }
  const w = new ByteWriter();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(file.tensors.length);
  w.u64(metadata.length);
  for (const [key, value] of metadata) {
    w.string(key);
    w.u32(VALUE_TYPE_ID[value.type]);
    if (value.type === 'array') {
      w.u32(VALUE_TYPE_ID[value.itemType]);
      w.u64(value.values.length);
      for (const item of value.values) writeScalar(w, value.itemType, item);
    } else {
      writeScalar(w, value.type, value.value);
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of file.tensors) {
    offsets.push(offset);
    offset += t.data.length;
    offset = Math.ceil(offset / alignment) * alignment;
  }
  file.tensors.forEach((t, i) => {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (t.typeIdOverride === undefined && ggmlByteSize(t.type, elements) !== t.data.length) {
      throw new Error(`tensor ${t.name}: ${t.data.length} bytes given, ${t.type} [${t.dims}] needs ${ggmlByteSize(t.type, elements)}`);
    }
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.typeIdOverride ?? GGML_TYPES[t.type].id);
    w.u64(offsets[i]);
  });
  const headerEnd = w.length;
  w.padTo(alignment);
  const dataStart = w.length;
  file.tensors.forEach((t, i) => {
    w.padTo(alignment);
    if (w.length - dataStart !== offsets[i]) throw new Error(`internal: tensor ${t.name} landed off its offset`);
    w.bytes(t.data);
  });
  w.padTo(alignment);
  return { bytes: w.result(), headerEnd, dataStart };
}

export function writeGguf(path: string, file: GgufFile): void {
  fs.writeFileSync(path, encodeGguf(file));
}

/** Shorthands for metadata values. */
export const gguf = {
  str: (value: string): GgufValue => ({ type: 'string', value }),
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  arr: (itemType: GgufScalarType, values: GgufScalar[]): GgufValue => ({ type: 'array', itemType, values }),
};
