import * as assert from 'assert';
import { parseArgs, UsageError, commandHelp } from '../../../server/cli/args';
import { COMMANDS } from '../../../server/cli/commandSpecs';
import { parsePositions } from '../../../server/cli/evalLogitsCommand';

describe('CLI argument parsing', () => {
  it('parses flags, values and the quoted question', () => {
    const a = parseArgs(COMMANDS.ask, ['--repo', '/r', '--json', '--tau=0.9', '--attention', 'dense', 'what does it do?']);
    assert.deepStrictEqual(a.flags, { repo: '/r', json: true, tau: 0.9, attention: 'dense' });
    assert.deepStrictEqual(a.positionals, ['what does it do?']);
  });

  it('rejects unknown flags, missing values, bad choices and numbers with one sentence', () => {
    const cases: [string[], RegExp][] = [
      [['--frob', 'q'], /unknown option '--frob' for 'ask'/],
      [['q', '--repo'], /--repo needs a value/],
      [['--repo', '--json', 'q'], /--repo needs a value/],
      [['--device', 'tpu', 'q'], /--device must be one of auto\|cpu\|cuda, got 'tpu'/],
      [['--tau', 'high', 'q'], /--tau must be a number, got 'high'/],
      [[], /'ask' needs a question/],
      [['two', 'questions'], /unexpected argument 'questions' \(quote the question\)/],
      [['--json=yes', 'q'], /--json takes no value/],
    ];
    for (const [argv, re] of cases) {
      assert.throws(() => parseArgs(COMMANDS.ask, argv), (e: Error) => e instanceof UsageError && re.test(e.message), argv.join(' '));
    }
  });

  it('eval-logits positions: default last, lists, negatives, bounds', () => {
    assert.deepStrictEqual(parsePositions(undefined, 10), [9]);
    assert.deepStrictEqual(parsePositions('0,5,9', 10), [0, 5, 9]);
    assert.deepStrictEqual(parsePositions('-1', 10), [9]);
    assert.deepStrictEqual(parsePositions('all', 3), [0, 1, 2]);
    assert.throws(() => parsePositions('10', 10), /outside the 10 tokens/);
    assert.throws(() => parsePositions('1,,2', 10), /is not an integer/);
  });

  it('help lists every flag of a command', () => {
    const help = commandHelp(COMMANDS['eval-logits']);
    for (const f of ['--model', '--tokens', '--positions', '--attention', '--device']) assert.ok(help.includes(f), f);
  });
});
