/** Model resolution for the CLI: an explicit --model must exist; otherwise the default model, fetched on first use. */
import * as fs from 'fs';
import { UsageError } from './args';
import { defaultModelPath, resolveModelArg } from '../models/modelPaths';
import { fetchDefaultModel } from '../models/fetchModel';

export async function modelForCli(command: string, flag: unknown, opts: { required?: boolean } = {}): Promise<string> {
  const given = resolveModelArg(typeof flag === 'string' ? flag : undefined);
  if (given) {
    if (!fs.existsSync(given)) throw new UsageError(`--model ${given}: no such file or directory`, command);
    return given;
  }
  if (opts.required) throw new UsageError(`'${command}' needs --model PATH`, command);
  const fallback = defaultModelPath();
  if (fs.existsSync(fallback)) return fallback;
  process.stderr.write(`unisparse: the default model is not cached yet; fetching it once.\n`);
  return fetchDefaultModel();
}
