/** @module Command-line parsing on node:util parseArgs, with hidsmon's errors and help. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommandLine {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses strictly; an unknown option or a missing value is a usage error naming the command. */
export function parseCommandLine(command: string, argv: string[], options: OptionSpec, maxPositionals: number): ParsedCommandLine {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
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
