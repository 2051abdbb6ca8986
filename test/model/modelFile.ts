// The real default model for test/model: SmolLM2-135M-Instruct Q4_1 (run `unisparse fetch-model` first;
// `npm test` does). A missing model fails the suite with that instruction instead of skipping it.
import * as fs from 'fs';
import { defaultModelPath } from '../../server/models/modelPaths';

export function smolLm2Path(): string {
  const p = process.env.UNISPARSE_TEST_MODEL ?? defaultModelPath();
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run \`node server/cli/bin.js fetch-model\` before the model tests.`);
  return p;
}
