// Seeded one-field mutations of model headers (GGUF and safetensors), for the fuzz tests: each mutant must end
// in a clean error or a valid, non-degenerate run. Mutations stay inside the header, where a corrupt or hostile
// file decides what the loader does; the tensor data is reused untouched.
import * as fs from 'fs';
import * as path from 'path';
import { seededRandom } from './random';

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

/** Where one header field sits in a GGUF file. */
interface Field {
  kind: 'scalar' | 'tokenId' | 'arrayLen' | 'stringLen' | 'nDims' | 'dim' | 'ttype' | 'toffset' | 'arrayItem';
  at: number;
  /** Value type for scalars: GGUF type id (4 u32, 5 i32, 6 f32, 10 u64, 12 f64, ...). */
  vtype: number;
  name: string;
}

const SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** The header fields of a GGUF file, and the byte where its header ends (tensor data starts after padding). */
export function scanGguf(buf: Buffer): { fields: Field[]; headerEnd: number; tensorOffsets: number[] } {
  const fields: Field[] = [];
  let p = 24;
  const u64 = () => { const v = Number(buf.readBigUInt64LE(p)); p += 8; return v; };
  const u32 = () => { const v = buf.readUInt32LE(p); p += 4; return v; };
  const str = (name: string) => { fields.push({ kind: 'stringLen', at: p, vtype: 10, name }); const n = u64(); const s = buf.toString('utf8', p, p + n); p += n; return s; };
  const nTensors = Number(buf.readBigUInt64LE(8));
  const nKv = Number(buf.readBigUInt64LE(16));
  const value = (type: number, key: string, inArray: boolean): void => {
    if (type === 8) { str(key); return; }
    if (type === 9) {
      const itemType = u32();
      fields.push({ kind: 'arrayLen', at: p, vtype: 10, name: key });
      const n = u64();
      for (let i = 0; i < n; i++) {
        if (i < 64 && itemType !== 8 && itemType !== 9) fields.push({ kind: 'arrayItem', at: p, vtype: itemType, name: `${key}[${i}]` });
        value(itemType, key, true);
      }
      return;
    }
    if (!inArray) fields.push({ kind: /token_id$/.test(key) ? 'tokenId' : 'scalar', at: p, vtype: type, name: key });
    p += SIZE[type];
  };
  for (let k = 0; k < nKv; k++) {
    const key = str('key');
    const type = u32();
    value(type, key, false);
  }
  const tensorOffsets: number[] = [];
  for (let t = 0; t < nTensors; t++) {
    const name = str('tensor name');
    fields.push({ kind: 'nDims', at: p, vtype: 4, name });
    const nd = u32();
    for (let d = 0; d < nd; d++) { fields.push({ kind: 'dim', at: p, vtype: 10, name: `${name}.ne[${d}]` }); p += 8; }
    fields.push({ kind: 'ttype', at: p, vtype: 4, name });
    p += 4;
    fields.push({ kind: 'toffset', at: p, vtype: 10, name });
    tensorOffsets.push(Number(buf.readBigUInt64LE(p)));
    p += 8;
  }
  return { fields, headerEnd: p, tensorOffsets };
}

function writeNumber(b: Buffer, at: number, vtype: number, v: number): void {
  switch (vtype) {
    case 0: b.writeUInt8(((v % 256) + 256) % 256, at); break;
    case 1: b.writeInt8(Math.max(-128, Math.min(127, Math.trunc(v))), at); break;
    case 2: b.writeUInt16LE(((Math.trunc(v) % 65536) + 65536) % 65536, at); break;
    case 3: b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.trunc(v))), at); break;
    case 4: b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(Math.trunc(Number.isFinite(v) ? v : 0)))), at); break;
    case 5: b.writeInt32LE(Number(BigInt.asIntN(32, BigInt(Math.trunc(Number.isFinite(v) ? v : 0)))), at); break;
    case 6: b.writeFloatLE(v, at); break;
    case 7: b.writeUInt8(v ? 1 : 0, at); break;
    case 10: b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(Math.trunc(Number.isFinite(v) ? v : 0))), at); break;
    case 11: b.writeBigInt64LE(BigInt.asIntN(64, BigInt(Math.trunc(Number.isFinite(v) ? v : 0))), at); break;
    case 12: b.writeDoubleLE(v, at); break;
  }
}

function readNumber(b: Buffer, at: number, vtype: number): number {
  switch (vtype) {
    case 0: return b.readUInt8(at); case 1: return b.readInt8(at); case 2: return b.readUInt16LE(at); case 3: return b.readInt16LE(at);
    case 4: return b.readUInt32LE(at); case 5: return b.readInt32LE(at); case 6: return b.readFloatLE(at); case 7: return b.readUInt8(at);
    case 10: return Number(b.readBigUInt64LE(at)); case 11: return Number(b.readBigInt64LE(at)); case 12: return b.readDoubleLE(at);
  }
  return 0;
}

const INT_EDITS = [(v: number) => 0, (v: number) => -1, (v: number) => v * 2, (v: number) => Math.floor(v / 2), (v: number) => v + 1,
  (v: number) => v - 1, () => 2 ** 31 - 1, () => 2 ** 40, (v: number, r: Rng) => Math.floor(r() * 2 ** 32)];
const FLOAT_EDITS = [() => NaN, () => Infinity, () => -Infinity, () => 0, (v: number) => -v, (v: number) => v * 1e6, (v: number) => v * 2, () => 1e-30];
const GGML_TYPES = [0, 1, 2, 3, 6, 7, 8, 10, 12, 13, 14, 15, 30, 31, 99];

/** One mutant of a GGUF header: returns the new header bytes (the data after `headerEnd` is unchanged) and what changed. */
export function mutateGgufHeader(buf: Buffer, scan: ReturnType<typeof scanGguf>, seed: number): { header: Buffer; what: string; truncateAt?: number } {
  const rng = seededRandom(seed);
  const header = Buffer.from(buf.subarray(0, scan.headerEnd));
  const byKind = (k: Field['kind']) => scan.fields.filter((f) => f.kind === k);
  const strategy = pick(rng, ['scalar', 'scalar', 'scalar', 'tokenId', 'ttype', 'dim', 'toffset', 'nDims', 'arrayLen', 'stringLen', 'flip', 'truncate', 'arrayItem'] as const);
  if (strategy === 'truncate') {
    const at = Math.floor(rng() * scan.headerEnd);
    return { header, what: `truncated at byte ${at}`, truncateAt: at };
  }
  if (strategy === 'flip') {
    const at = Math.floor(rng() * scan.headerEnd);
    const bit = 1 << Math.floor(rng() * 8);
    header[at] ^= bit;
    return { header, what: `bit ${bit} flipped at byte ${at}` };
  }
  const candidates = strategy === 'scalar' ? byKind('scalar').filter((f) => f.vtype !== 8 && f.vtype !== 7) : byKind(strategy);
  if (!candidates.length) return { header, what: 'nothing to mutate' };
  const f = pick(rng, candidates);
  const old = readNumber(header, f.at, f.vtype);
  let v: number;
  if (strategy === 'ttype') v = pick(rng, GGML_TYPES);
  else if (strategy === 'toffset') v = pick(rng, [() => pick(rng, scan.tensorOffsets), () => old + 32, () => old + 1, () => old + 2 ** 30, () => Math.max(0, old - 32)])();
  else if (strategy === 'tokenId') v = pick(rng, [() => old + 100000, () => 2 ** 32 - 1, () => -1, () => Math.floor(rng() * 50000)])();
  else if (f.vtype === 6 || f.vtype === 12) v = pick(rng, FLOAT_EDITS)(old);
  else v = pick(rng, INT_EDITS)(old, rng);
  writeNumber(header, f.at, f.vtype, v);
  return { header, what: `${strategy} ${f.name}: ${old} -> ${readNumber(header, f.at, f.vtype)}` };
}

/** Writes a GGUF mutant: the mutated header, then the original bytes after it (or nothing, for a truncation). */
export function writeGgufMutant(file: string, original: Buffer, m: ReturnType<typeof mutateGgufHeader>, headerEnd: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    if (m.truncateAt !== undefined) { fs.writeSync(fd, m.header, 0, m.truncateAt); return; }
    fs.writeSync(fd, m.header);
    fs.writeSync(fd, original, headerEnd, original.length - headerEnd);
  } finally { fs.closeSync(fd); }
}

/** One mutant of a safetensors model folder (header of model.safetensors, or config.json), written to `outDir`. */
export function writeSafetensorsMutant(srcDir: string, outDir: string, seed: number): string {
  const rng = seededRandom(seed);
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(srcDir)) if (f !== 'model.safetensors' && f !== 'config.json') fs.copyFileSync(path.join(srcDir, f), path.join(outDir, f));
  const config = JSON.parse(fs.readFileSync(path.join(srcDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const st = fs.readFileSync(path.join(srcDir, 'model.safetensors'));
  const headerLen = Number(st.readBigUInt64LE(0));
  const header = JSON.parse(st.toString('utf8', 8, 8 + headerLen)) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
  const data = st.subarray(8 + headerLen);
  let what: string;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const target = pick(rng, ['config', 'config', 'dtype', 'shape', 'offsets', 'offsets', 'raw'] as const);
  if (target === 'config') {
    const keys = Object.keys(config).filter((k) => typeof config[k] === 'number' || k.endsWith('token_id'));
    const k = pick(rng, keys);
    const old = config[k] as number;
    const v = pick(rng, [0, -1, 1e9, 2 ** 40, 0.5, old * 2, old + 1, null, 'x', 1e-40]);
    config[k] = v;
    what = `config.json ${k}: ${old} -> ${String(v)}`;
  } else if (target === 'dtype') {
    const n = pick(rng, names);
    const v = pick(rng, ['F16', 'BF16', 'F32', 'F64', 'I8', 'Q4']);
    what = `${n}.dtype: ${header[n].dtype} -> ${v}`;
    header[n].dtype = v;
  } else if (target === 'shape') {
    const n = pick(rng, names);
    const s = header[n].shape.slice();
    const d = Math.floor(rng() * s.length);
    const v = pick(rng, [0, -1, s[d] * 2, s[d] + 1, 1.5, 2 ** 50, s[s.length - 1 - d]]);
    s[d] = v;
    what = `${n}.shape[${d}]: ${header[n].shape[d]} -> ${v}`;
    header[n].shape = s;
  } else if (target === 'offsets') {
    const n = pick(rng, names);
    const other = header[pick(rng, names)].data_offsets;
    const [b, e] = header[n].data_offsets;
    const v = pick(rng, [[other[0], other[0] + (e - b)], [b + 4, e + 4], [b - 4, e - 4], [b, e * 2], [e, b], [b, e + 0.5]]);
    what = `${n}.data_offsets: [${b}, ${e}] -> [${v}]`;
    header[n].data_offsets = v;
  } else {
    const text = Buffer.from(JSON.stringify(header));
    const at = Math.floor(rng() * text.length);
    text[at] = pick(rng, [0x22, 0x7d, 0x30, 0x2c, 0x20, 0x00]);
    fs.writeFileSync(path.join(outDir, 'config.json'), JSON.stringify(config));
    fs.writeFileSync(path.join(outDir, 'model.safetensors'), Buffer.concat([lengthPrefix(text.length), text, data]));
    return `header byte ${at} replaced`;
  }
  const text = Buffer.from(JSON.stringify(header));
  fs.writeFileSync(path.join(outDir, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(outDir, 'model.safetensors'), Buffer.concat([lengthPrefix(text.length), text, data]));
  return what;
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}
