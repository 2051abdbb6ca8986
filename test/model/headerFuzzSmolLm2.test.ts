// Seeded one-field mutants of the real SmolLM2 GGUF header (hyperparameters, special token ids, tensor types,
// shapes and offsets, array and string lengths, flipped bits, truncation): each must end in an Error that names
// the file, or load and greedily continue a prompt with finite, non-constant logits and not one token repeated.
// Mutants are written to /dev/shm (RAM) when it exists and run in child processes (a crash or hang is caught).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { smolLm2Path } from './modelFile';
import { loadTokenizer } from '../../server/tokenizer/tokenizer';
import { scanGguf, mutateGgufHeader, writeGgufMutant } from '../support/modelFuzz';
import { runMutants, fuzzFailures, summary, FuzzJob, FuzzOutcome } from '../support/fuzzRunner';

const MUTANTS = Number(process.env.UNISPARSE_FUZZ_MUTANTS ?? 100);
const BATCH = 10;

describe('SmolLM2: fuzzed GGUF headers end in a clean error or a valid run', function () {
  this.timeout(600000);

  it(`${MUTANTS} mutants of the real header`, async () => {
    const original = fs.readFileSync(smolLm2Path());
    const scan = scanGguf(original);
    const tok = await loadTokenizer(smolLm2Path());
    const prompt = tok.encode('The capital of France is', { addSpecial: true });
    const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
    const dir = fs.mkdtempSync(path.join(base, 'unisparse-fuzz-'));
    const outcomes: FuzzOutcome[] = [];
    try {
      outcomes.push(...await runMutants([{ file: smolLm2Path(), prompt, steps: 4, what: 'the unmutated file' }]));
      for (let first = 1; first <= MUTANTS; first += BATCH) {
        const jobs: FuzzJob[] = [];
        for (let seed = first; seed < Math.min(first + BATCH, MUTANTS + 1); seed++) {
          const m = mutateGgufHeader(original, scan, 50000 + seed);
          const file = path.join(dir, `smollm2-mutant-${seed}.gguf`);
          writeGgufMutant(file, original, m, scan.headerEnd);
          jobs.push({ file, prompt, steps: 4, what: `seed ${50000 + seed}: ${m.what}` });
        }
        outcomes.push(...await runMutants(jobs, 60000));
        for (const j of jobs) fs.rmSync(j.file, { force: true });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`      ${summary(outcomes)}`);
    assert.strictEqual(outcomes[0].status, 'ran', outcomes[0].message);
    assert.strictEqual(outcomes[0].degenerate, undefined);
    assert.deepStrictEqual(fuzzFailures(outcomes), []);
  });
});
