/** @module The CLI's errors: a usage error (exit 2) or a failure (exit 1), each saying what to do next. */

export class CliError extends Error {
  /** 2 for a bad command line, 1 for work that failed. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function usageError(command: string, message: string): CliError {
  return new CliError(`${message}\nRun \`hidsmon ${command} --help\` for usage.`, 2);
}
