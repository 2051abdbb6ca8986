// Encoders and decoders for the ggml weight formats the runtime must read. The encoders are our own
// simple quantizers (not llama.cpp's search-based ones); what matters is that they emit valid blocks
// in ggml's exact byte layout, and that the decoders read those bytes the way ggml dequantizes them,
// so the float64 reference sees exactly the runtime's weights.
import { GgmlTypeName, GGML_TYPES, ggmlByteSize } from './ggmlTypes';
import { f32ToF16Bits, f16BitsToF32, f32ToBf16Bits, bf16BitsToF32, roundToF16 } from './halfFloat';

/** Encodes row-major float values (row length a multiple of the block size) into ggml bytes. */
export function encodeGgml(type: GgmlTypeName, values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(ggmlByteSize(type, n));
  const view = new DataView(out.buffer);
  const { blockElements, blockBytes } = GGML_TYPES[type];
  for (let b = 0; b < n / blockElements; b++) {
    const x = Array.from({ length: blockElements }, (_, i) => values[b * blockElements + i]);
    encodeBlock(type, x, view, b * blockBytes);
  }
  return out;
}

/** Decodes ggml bytes back to float64 values, exactly as ggml's dequantize functions compute them. */
export function decodeGgml(type: GgmlTypeName, bytes: Uint8Array, n: number): Float64Array {
  const out = new Float64Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { blockElements, blockBytes } = GGML_TYPES[type];
  for (let b = 0; b < n / blockElements; b++) decodeBlock(type, view, b * blockBytes, out, b * blockElements);
  return out;
}

function encodeBlock(type: GgmlTypeName, x: number[], v: DataView, o: number): void {
  switch (type) {
    case 'F32': v.setFloat32(o, x[0], true); return;
    case 'F16': v.setUint16(o, f32ToF16Bits(x[0]), true); return;
    case 'BF16': v.setUint16(o, f32ToBf16Bits(x[0]), true); return;
    case 'Q8_0': return encodeQ8_0(x, v, o);
    case 'Q4_0': return encodeQ4_0(x, v, o);
    case 'Q4_1': return encodeQ4_1(x, v, o);
    case 'Q4_K': return encodeQ4_K(x, v, o);
    case 'Q6_K': return encodeQ6_K(x, v, o);
  }
}

function decodeBlock(type: GgmlTypeName, v: DataView, o: number, y: Float64Array, p: number): void {
  switch (type) {
    case 'F32': y[p] = v.getFloat32(o, true); return;
    case 'F16': y[p] = f16BitsToF32(v.getUint16(o, true)); return;
    case 'BF16': y[p] = bf16BitsToF32(v.getUint16(o, true)); return;
    case 'Q8_0': return decodeQ8_0(v, o, y, p);
    case 'Q4_0': return decodeQ4_0(v, o, y, p);
    case 'Q4_1': return decodeQ4_1(v, o, y, p);
    case 'Q4_K': return decodeQ4_K(v, o, y, p);
    case 'Q6_K': return decodeQ6_K(v, o, y, p);
  }
}

const f16 = (v: DataView, o: number) => f16BitsToF32(v.getUint16(o, true));

// block_q8_0 { half d; int8 qs[32]; }  x = d * q
function encodeQ8_0(x: number[], v: DataView, o: number): void {
  const amax = Math.max(...x.map(Math.abs));
  const d = amax / 127;
  const id = d ? 1 / d : 0;
  v.setUint16(o, f32ToF16Bits(d), true);
  for (let i = 0; i < 32; i++) v.setInt8(o + 2 + i, Math.round(x[i] * id));
}
function decodeQ8_0(v: DataView, o: number, y: Float64Array, p: number): void {
  const d = f16(v, o);
  for (let i = 0; i < 32; i++) y[p + i] = d * v.getInt8(o + 2 + i);
}

// block_q4_0 { half d; uint8 qs[16]; }  x[j] = d * (lo(qs[j]) - 8), x[j+16] = d * (hi(qs[j]) - 8)
function encodeQ4_0(x: number[], v: DataView, o: number): void {
  let max = 0;
  for (const e of x) if (Math.abs(e) > Math.abs(max)) max = e;
  const d = max / -8;
  const id = d ? 1 / d : 0;
  v.setUint16(o, f32ToF16Bits(d), true);
  const q = (e: number) => Math.min(15, Math.max(0, Math.trunc(e * id + 8.5)));
  for (let j = 0; j < 16; j++) v.setUint8(o + 2 + j, q(x[j]) | (q(x[j + 16]) << 4));
}
function decodeQ4_0(v: DataView, o: number, y: Float64Array, p: number): void {
  const d = f16(v, o);
  for (let j = 0; j < 16; j++) {
    const b = v.getUint8(o + 2 + j);
    y[p + j] = d * ((b & 15) - 8);
    y[p + j + 16] = d * ((b >> 4) - 8);
  }
}

// block_q4_1 { half d; half m; uint8 qs[16]; }  x = d * q + m
function encodeQ4_1(x: number[], v: DataView, o: number): void {
  const min = Math.min(...x), max = Math.max(...x);
  const d = (max - min) / 15;
  const id = d ? 1 / d : 0;
  v.setUint16(o, f32ToF16Bits(d), true);
  v.setUint16(o + 2, f32ToF16Bits(min), true);
  const q = (e: number) => Math.min(15, Math.max(0, Math.trunc((e - min) * id + 0.5)));
  for (let j = 0; j < 16; j++) v.setUint8(o + 4 + j, q(x[j]) | (q(x[j + 16]) << 4));
}
function decodeQ4_1(v: DataView, o: number, y: Float64Array, p: number): void {
  const d = f16(v, o), m = f16(v, o + 2);
  for (let j = 0; j < 16; j++) {
    const b = v.getUint8(o + 4 + j);
    y[p + j] = d * (b & 15) + m;
    y[p + j + 16] = d * (b >> 4) + m;
  }
}

// block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; }: 8 sub-blocks of 32 with 6-bit
// scale and min; x = d*sc*q - dmin*m.
function encodeQ4_K(x: number[], v: DataView, o: number): void {
  const scale: number[] = [], mins: number[] = [];
  for (let j = 0; j < 8; j++) {
    const s = x.slice(j * 32, j * 32 + 32);
    const lo = Math.min(0, ...s), hi = Math.max(...s);
    scale.push((hi - lo) / 15);
    mins.push(-lo);
  }
  const d = roundToF16(Math.max(...scale) / 63), dmin = roundToF16(Math.max(...mins) / 63);
  const sc = scale.map((s) => (d ? Math.min(63, Math.round(s / d)) : 0));
  const mn = mins.map((m) => (dmin ? Math.min(63, Math.round(m / dmin)) : 0));
  v.setUint16(o, f32ToF16Bits(d), true);
  v.setUint16(o + 2, f32ToF16Bits(dmin), true);
  for (let j = 0; j < 4; j++) {
    v.setUint8(o + 4 + j, (sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    v.setUint8(o + 4 + j + 4, (mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    v.setUint8(o + 4 + j + 8, (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
  const q = (i: number) => {
    const j = Math.floor(i / 32);
    const step = d * sc[j];
    return step ? Math.min(15, Math.max(0, Math.round((x[i] + dmin * mn[j]) / step))) : 0;
  };
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) v.setUint8(o + 16 + c * 32 + l, q(c * 64 + l) | (q(c * 64 + 32 + l) << 4));
  }
}
function q4kScaleMin(v: DataView, o: number, j: number): [number, number] {
  const s = (i: number) => v.getUint8(o + 4 + i);
  if (j < 4) return [s(j) & 63, s(j + 4) & 63];
  return [(s(j + 4) & 15) | ((s(j - 4) >> 6) << 4), (s(j + 4) >> 4) | ((s(j) >> 6) << 4)];
}
function decodeQ4_K(v: DataView, o: number, y: Float64Array, p: number): void {
  const d = f16(v, o), dmin = f16(v, o + 2);
  for (let c = 0; c < 4; c++) {
    const [sc1, m1] = q4kScaleMin(v, o, 2 * c);
    const [sc2, m2] = q4kScaleMin(v, o, 2 * c + 1);
    for (let l = 0; l < 32; l++) {
      const b = v.getUint8(o + 16 + c * 32 + l);
      y[p + c * 64 + l] = d * sc1 * (b & 15) - dmin * m1;
      y[p + c * 64 + 32 + l] = d * sc2 * (b >> 4) - dmin * m2;
    }
  }
}

// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }: 16 sub-blocks of 16 with an
// int8 scale; 6-bit q split into low nibbles (ql) and 2 high bits (qh); x = d*sc*(q-32).
function encodeQ6_K(x: number[], v: DataView, o: number): void {
  const subScale: number[] = [];
  for (let k = 0; k < 16; k++) subScale.push(Math.max(...x.slice(k * 16, k * 16 + 16).map(Math.abs)) / 31);
  const d = roundToF16(Math.max(...subScale) / 127);
  const sc = subScale.map((s) => (d ? Math.min(127, Math.round(s / d)) : 0));
  const q = x.map((e, i) => {
    const step = d * sc[Math.floor(i / 16)];
    return (step ? Math.min(31, Math.max(-32, Math.round(e / step))) : 0) + 32;
  });
  for (let c = 0; c < 2; c++) {
    for (let l = 0; l < 32; l++) {
      const q1 = q[c * 128 + l], q2 = q[c * 128 + l + 32], q3 = q[c * 128 + l + 64], q4 = q[c * 128 + l + 96];
      v.setUint8(o + c * 64 + l, (q1 & 15) | ((q3 & 15) << 4));
      v.setUint8(o + c * 64 + l + 32, (q2 & 15) | ((q4 & 15) << 4));
      v.setUint8(o + 128 + c * 32 + l, (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
    }
  }
  for (let k = 0; k < 16; k++) v.setInt8(o + 192 + k, sc[k]);
  v.setUint16(o + 208, f32ToF16Bits(d), true);
}
function decodeQ6_K(v: DataView, o: number, y: Float64Array, p: number): void {
  const d = f16(v, o + 208);
  for (let c = 0; c < 2; c++) {
    const ql = o + c * 64, qh = o + 128 + c * 32, sc = o + 192 + c * 8;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const h = v.getUint8(qh + l);
      const a = v.getUint8(ql + l), b = v.getUint8(ql + l + 32);
      const q1 = ((a & 15) | ((h & 3) << 4)) - 32;
      const q2 = ((b & 15) | (((h >> 2) & 3) << 4)) - 32;
      const q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
      const q4 = ((b >> 4) | (((h >> 6) & 3) << 4)) - 32;
      const base = p + c * 128;
      y[base + l] = d * v.getInt8(sc + is) * q1;
      y[base + l + 32] = d * v.getInt8(sc + is + 2) * q2;
      y[base + l + 64] = d * v.getInt8(sc + is + 4) * q3;
      y[base + l + 96] = d * v.getInt8(sc + is + 6) * q4;
    }
  }
}
