/** Folders named on the command line. */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from './args';

/** --repo (default: the current folder) as an absolute path; a path that is not a folder is a usage mistake. */
export function existingFolder(flag: unknown, command: string): string {
  const repo = path.resolve(typeof flag === 'string' ? flag : process.cwd());
  let isDir = false;
  try { isDir = fs.statSync(repo).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new UsageError(`--repo ${repo}: ${fs.existsSync(repo) ? 'not a folder' : 'no such folder'}`, command);
  return repo;
}
