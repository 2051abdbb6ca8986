/**
 * The project root: the nearest folder above this file that holds native/index.js. Found by walking up, so it
 * is the same from the TypeScript sources (server/...) and from the bundles (dist/server/...).
 */
import * as fs from 'fs';
import * as path from 'path';

export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'native', 'index.js'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..');
}
