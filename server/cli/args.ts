/**
 * A small, strict argument parser for the `unisparse` commands: every flag is declared with its type,
 * so an unknown flag or a missing value becomes one clear line plus a usage hint (exit code 2).
 */

export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagType = 'string' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  /** For string flags: the allowed values. */
  choices?: readonly string[];
  description: string;
  valueName?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** How many positional arguments the command takes (min, max). */
  positionals: [number, number];
  positionalName?: string;
}

export interface ParsedArgs {
  flags: Record<string, string | number | boolean | undefined>;
  positionals: string[];
}

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) throw new UsageError(`unknown option '${arg}' for '${spec.name}'`, spec.name);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const f = spec.flags[name];
    if (!f) throw new UsageError(`unknown option '--${name}' for '${spec.name}'`, spec.name);
    if (f.type === 'boolean') {
      if (eq > 0) throw new UsageError(`--${name} takes no value`, spec.name);
      flags[name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value (${f.valueName ?? f.type})`, spec.name);
    if (f.type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`, spec.name);
      flags[name] = n;
    } else {
      if (f.choices && !f.choices.includes(value)) throw new UsageError(`--${name} must be one of ${f.choices.join('|')}, got '${value}'`, spec.name);
      flags[name] = value;
    }
  }
  const [min, max] = spec.positionals;
  if (positionals.length < min) throw new UsageError(`'${spec.name}' needs ${spec.positionalName ?? 'an argument'}`, spec.name);
  if (positionals.length > max) throw new UsageError(`'${spec.name}' got an unexpected argument '${positionals[max]}'${max === 1 ? ' (quote the question)' : ''}`, spec.name);
  return { flags, positionals };
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.summary, ''];
  const names = Object.keys(spec.flags);
  if (names.length) {
    lines.push('options:');
    for (const n of names) {
      const f = spec.flags[n];
      const left = `  --${n}${f.type === 'boolean' ? '' : ` ${f.choices ? f.choices.join('|') : (f.valueName ?? f.type.toUpperCase())}`}`;
      lines.push(`${left.padEnd(34)} ${f.description}`);
    }
  }
  return lines.join('\n');
}
