// The C++ defaults of the attention options must be the ones common/attentionOptions.ts declares: the model and the
// kernels run with them when a caller gives none (the benchmarks, the C API, the raw addon).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_ATTENTION } from '../../../common/attentionOptions';
import { DEFAULT_CHECK_RECALL, DEFAULT_NEIGHBOUR_SHARE } from '../../support/attentionReference';

const root = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** The initialiser of `type name = value;` inside `struct owner { ... }`. */
function fieldDefault(source: string, owner: string, type: string, name: string): string {
  const body = new RegExp(`struct ${owner} \\{([\\s\\S]*?)\\n\\};`).exec(source);
  assert.ok(body, `struct ${owner} not found`);
  const field = new RegExp(`\\b${type} ${name} = ([^;]+);`).exec(body[1]);
  assert.ok(field, `${owner}.${name} has no default`);
  return field[1].trim();
}
const floatLiteral = (v: string) => Number(v.replace(/f$/, ''));

describe('C++ attention defaults', function () {
  it('UniSparseConfig (the CPU attention and the model) uses the declared tau and block size', function () {
    const h = read('native/src/attention/attention.h');
    assert.strictEqual(floatLiteral(fieldDefault(h, 'UniSparseConfig', 'float', 'tau')), DEFAULT_ATTENTION.tau);
    assert.strictEqual(Number(fieldDefault(h, 'UniSparseConfig', 'int', 'blockSize')), DEFAULT_ATTENTION.blockSize);
  });

  it('the CUDA plan request uses the declared tau and block size', function () {
    const h = read('native/cuda/unisparse_plan.h');
    assert.strictEqual(floatLiteral(fieldDefault(h, 'PlanRequest', 'float', 'tau')), DEFAULT_ATTENTION.tau);
    assert.strictEqual(Number(fieldDefault(h, 'PlanRequest', 'int', 'blockSize')), DEFAULT_ATTENTION.blockSize);
  });

  it('neighbour expansion has one default: attention.h, the CUDA plan request and the float64 reference', function () {
    const h = read('native/src/attention/attention.h');
    const declared = /constexpr float kDefaultNeighbourShare = ([^;]+);/.exec(h);
    assert.ok(declared, 'kDefaultNeighbourShare not found');
    assert.strictEqual(floatLiteral(declared[1]), DEFAULT_NEIGHBOUR_SHARE);
    assert.strictEqual(fieldDefault(h, 'UniSparseConfig', 'float', 'neighbourShare'), 'kDefaultNeighbourShare');
    assert.strictEqual(floatLiteral(fieldDefault(read('native/cuda/unisparse_plan.h'), 'PlanRequest', 'float', 'neighbourShare')),
      DEFAULT_NEIGHBOUR_SHARE);
    assert.strictEqual(fieldDefault(read('native/include/unisparse_model.h'), 'ModelOptions', 'float', 'neighbourShare'),
      'UniSparseConfig{}.neighbourShare');
  });

  it('the last-block check has one recall threshold: attention.h, the CUDA plan request and the float64 reference', function () {
    assert.strictEqual(floatLiteral(fieldDefault(read('native/src/attention/attention.h'), 'UniSparseConfig', 'float', 'checkRecall')),
      DEFAULT_CHECK_RECALL);
    assert.strictEqual(floatLiteral(fieldDefault(read('native/cuda/unisparse_plan.h'), 'PlanRequest', 'float', 'checkRecall')),
      DEFAULT_CHECK_RECALL);
  });

  it('the model options take theirs from UniSparseConfig', function () {
    const h = read('native/include/unisparse_model.h');
    assert.strictEqual(fieldDefault(h, 'ModelOptions', 'float', 'tau'), 'UniSparseConfig{}.tau');
    assert.strictEqual(fieldDefault(h, 'ModelOptions', 'int', 'blockSize'), 'UniSparseConfig{}.blockSize');
    assert.strictEqual(fieldDefault(h, 'ModelOptions', 'float', 'checkRecall'), 'UniSparseConfig{}.checkRecall');
  });
});
