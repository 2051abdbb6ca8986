/**
 * The `unisparse` command line: ask, index, eval-logits, generate, serve, fetch-model. Exit codes, the same for
 * every command: 2 for a usage mistake (one line plus a hint; a flag naming a path that does not exist counts),
 * 1 for a runtime failure (one sentence), 130 for Ctrl-C ("cancelled"). Never a stack trace (set
 * UNISPARSE_DEBUG=1 to see one).
 */
import { parseArgs, UsageError, commandHelp } from './args';
import { COMMANDS, mainHelp } from './commandSpecs';

async function run(argv: string[], signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name ? 0 : 2;
  }
  const spec = COMMANDS[name];
  if (!spec) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(spec) + '\n');
    return 0;
  }
  const args = parseArgs(spec, rest);
  // Commands load their modules on demand: `--help` or `fetch-model` never pay for tree-sitter or the tokenizer.
  switch (name) {
    case 'ask': await (require('./askCommand') as typeof import('./askCommand')).askCommand(args, signal); break;
    case 'index': await (require('./indexCommand') as typeof import('./indexCommand')).indexCommand(args, signal); break;
    case 'eval-logits': await (require('./evalLogitsCommand') as typeof import('./evalLogitsCommand')).evalLogitsCommand(args); break;
    case 'generate': await (require('./generateCommand') as typeof import('./generateCommand')).generateCommand(args, signal); break;
    case 'serve': await (require('./serveCommand') as typeof import('./serveCommand')).serveCommand(args, signal); break;
    case 'fetch-model': await (require('./fetchModelCommand') as typeof import('./fetchModelCommand')).fetchModelCommand(args, signal); break;
  }
  return 0;
}

async function main(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    // First Ctrl-C stops generation cleanly (partial answer kept); a second one quits at once.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });
  let code: number;
  try {
    code = await run(process.argv.slice(2), controller.signal);
    // A command that stops cleanly on Ctrl-C (serve) still ends as an interrupted one, like every other command.
    if (controller.signal.aborted) code = 130;
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      process.stderr.write(`unisparse: ${err.message}\n`);
      process.stderr.write(err.command ? `Run 'unisparse ${err.command} --help' for its options.\n` : "Run 'unisparse --help' for the commands.\n");
      code = 2;
    } else {
      const cancelled = err?.name === 'AbortError' || controller.signal.aborted;
      // One line per failure; a Ctrl-C is a choice, not a crash, whatever the interrupted step reported.
      process.stderr.write(`unisparse: ${cancelled ? 'cancelled' : err?.message ?? String(e)}\n`);
      if (process.env.UNISPARSE_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
      code = cancelled ? 130 : 1;
    }
  }
  // Exit explicitly: worker threads or a child process must not keep a finished command alive.
  process.stdout.write('', () => process.exit(code));
}

main();
