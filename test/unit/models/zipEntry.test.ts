import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { execFileSync } from 'child_process';
import { readZipEntry } from '../../../server/models/zipEntry';

describe('zip entry reader (wheel extraction)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-zip-'));
  const payload = crypto.randomBytes(300_000); // incompressible part
  const text = Buffer.from('model '.repeat(50_000)); // compressible part
  const zipFile = path.join(dir, 'pkg-0.1-py3-none-any.whl');
  before(() => {
    fs.mkdirSync(path.join(dir, 'pkg'));
    fs.writeFileSync(path.join(dir, 'pkg', 'model.bin'), Buffer.concat([payload, text]));
    fs.writeFileSync(path.join(dir, 'pkg', 'README.txt'), 'hello');
    // Python's zipfile writes wheels the same way pip's tools do (deflate).
    execFileSync('python3', ['-c', [
      'import zipfile, sys, os',
      `z = zipfile.ZipFile(${JSON.stringify(zipFile)}, "w", zipfile.ZIP_DEFLATED)`,
      `os.chdir(${JSON.stringify(dir)})`,
      'z.write("pkg/README.txt"); z.write("pkg/model.bin"); z.close()',
    ].join('\n')]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('extracts a deflated entry byte for byte', () => {
    const out = readZipEntry(zipFile, 'pkg/model.bin');
    assert.ok(out.equals(Buffer.concat([payload, text])));
    assert.strictEqual(readZipEntry(zipFile, 'pkg/README.txt').toString(), 'hello');
  });

  it('names the missing entry and rejects a non-zip file', () => {
    assert.throws(() => readZipEntry(zipFile, 'pkg/other.gguf'), /holds no pkg\/other\.gguf/);
    const notZip = path.join(dir, 'plain.whl');
    fs.writeFileSync(notZip, 'not a zip at all');
    assert.throws(() => readZipEntry(notZip, 'x'), /not a zip archive.*fetch-model/);
  });
});
