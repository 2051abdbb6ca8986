/** `unisparse fetch-model [NAME] [--list]`: the model catalog in the terminal, and downloads into the model cache. */
import type { ParsedArgs } from './args';
import { catalogTable, fetchCatalogModel } from '../models/fetchCatalogModel';
import { machineMemory } from '../models/machineMemory';

export async function fetchModelCommand(args: ParsedArgs, signal: AbortSignal): Promise<void> {
  if (args.flags.list) {
    process.stdout.write(catalogTable(machineMemory()) + '\n');
    return;
  }
  const file = await fetchCatalogModel(args.positionals[0], { force: Boolean(args.flags.force), signal });
  process.stdout.write(file + '\n');
}
