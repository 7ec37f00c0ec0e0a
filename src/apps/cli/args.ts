/** @module Command-line parsing on node:util parseArgs, with hidsmon's errors and help. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommandLine {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * A single-dash word that holds anything but letters (`-_exists_:srcip`, `-rule.level:5`,
 * `-"failed password"`) is a query's NOT, not a cluster of short options: an argument, wherever it is.
 */
function isDashArgument(arg: string): boolean {
  return arg.length > 2 && arg[0] === '-' && arg[1] !== '-' && /[^A-Za-z]/.test(arg.slice(1));
}

/**
 * The command line with its arguments after `--` (in their order) when one of them begins with a
 * dash (see isDashArgument), so that parseArgs takes it as an argument; unchanged otherwise. A word
 * after an option that takes a value is that value, left where it is.
 */
export function withDashArguments(argv: readonly string[], options: OptionSpec): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const takesValue = (arg: string): boolean => {
    if (arg.startsWith('--')) return !arg.includes('=') && options[arg.slice(2)]?.type === 'string';
    const short = arg.length === 2 && arg[0] === '-' ? arg[1] : undefined;
    return short !== undefined && Object.values(options).some((o) => o.short === short && o.type === 'string');
  };
  const flags: string[] = [];
  const args: string[] = [];
  let moved = false;
  for (let i = 0; i < head.length; i++) {
    const arg = head[i]!;
    if (takesValue(arg) && i + 1 < head.length) {
      flags.push(arg, head[++i]!);
    } else if (isDashArgument(arg)) {
      args.push(arg);
      moved = true;
    } else if (arg.startsWith('-') && arg !== '-') {
      flags.push(arg);
    } else {
      args.push(arg);
    }
  }
  if (!moved) return [...argv];
  return [...flags, '--', ...args, ...(end < 0 ? [] : argv.slice(end + 1))];
}

/** Parses strictly; an unknown option or a missing value is a usage error naming the command. */
export function parseCommandLine(command: string, argv: string[], options: OptionSpec, maxPositionals: number): ParsedCommandLine {
  let parsed: ParsedCommandLine;
  const all: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' } };
  try {
    parsed = parseArgs({ args: withDashArguments(argv, all), options: all, allowPositionals: true, strict: true }) as ParsedCommandLine;
  } catch (e) {
    throw usageError(command, (e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw usageError(command, `Unexpected argument: ${parsed.positionals[maxPositionals]}`);
  }
  return parsed;
}

export function stringOption(values: ParsedCommandLine['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function integerOption(command: string, values: ParsedCommandLine['values'], name: string, min: number): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw usageError(command, `--${name} must be a whole number of at least ${min}, not "${text}".`);
  return Number(text);
}
