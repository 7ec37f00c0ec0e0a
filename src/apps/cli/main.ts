/** @module The `hidsmon` command: dispatches to subcommands; thin, so that each command is testable in-process. */
import type { Readable, Writable } from 'node:stream';
import { CliError } from './cli-error.js';
import { OutputClosed } from './io.js';
import { processContext } from './process-context.js';
import { normalizeCommand } from './commands/normalize.js';
import { simulateCommand } from './commands/simulate.js';
import { transformCommand } from './commands/transform.js';
import { importCommand } from './commands/import.js';
import { indicesCommand } from './commands/indices.js';
import { searchCommand } from './commands/search.js';
import { demoCommand } from './commands/demo.js';
import { serverCommand } from './commands/server.js';
import { auditCommand } from './commands/audit.js';
import { keysCommand } from './commands/keys.js';
import { agentCommand } from './commands/agent.js';
import { dashboardsCommand } from './commands/dashboards.js';

export { processContext };

/** What a command may touch of the outside world; tests pass their own. */
export interface CommandContext {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stderrIsTTY: boolean;
  /** Terminal width, when stdout is one. */
  stdoutColumns?: number;
  now: () => number;
  /** Aborted on Ctrl-C / SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
}

type Command = (argv: string[], ctx: CommandContext) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  simulate: { run: simulateCommand, summary: 'simulate the blog\'s test hosts writing OSSEC/Wazuh alerts files' },
  normalize: { run: normalizeCommand, summary: 'alert lines or records -> NDJSON documents, as indexed' },
  transform: { run: transformCommand, summary: 'a CloudWatch Logs subscription event -> NDJSON {index, id, document}' },
  import: { run: importCommand, summary: 'load alerts files into the embedded index' },
  search: { run: searchCommand, summary: 'search the embedded index with Lucene query syntax' },
  indices: { run: indicesCommand, summary: 'list, delete or expire the daily indices' },
  server: { run: serverCommand, summary: 'the CloudWatch Logs API, forwarder, index, query API and UI in one process' },
  keys: { run: keysCommand, summary: 'list, create or revoke access keys (agent: hosts, admin: operators) and API tokens' },
  audit: { run: auditCommand, summary: 'show or follow the audit log (changes, refusals, logins) of a server or a data directory' },
  agent: { run: agentCommand, summary: 'follow this host\'s alerts files and ship every alert to CloudWatch Logs or a hidsmon server' },
  dashboards: { run: dashboardsCommand, summary: 'OpenSearch Dashboards saved objects (the HIDS Alerts dashboard): export as NDJSON or import' },
  demo: { run: demoCommand, summary: 'a server and two simulated hosts shipping to it (what `npm start` runs)' },
};

export const mainHelp = `Usage: hidsmon <command> [options]

hidsmon watches host-intrusion (OSSEC/Wazuh) alerts across a fleet: the AWS blog's
OSSEC -> CloudWatch Logs -> Lambda -> OpenSearch -> Kibana pipeline as one tool.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)}${c.summary}`)
  .join('\n')}

Run \`hidsmon <command> --help\` for a command's options.
`;

export async function run(argv: string[], ctx: CommandContext = processContext()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(mainHelp);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    ctx.stdout.write('hidsmon 0.1.0\n');
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    ctx.stderr.write(`hidsmon: unknown command "${name}".\n\n${mainHelp}`);
    return 2;
  }
  try {
    return await command.run(rest, ctx);
  } catch (e) {
    if (e instanceof OutputClosed) return 0;
    if (e instanceof CliError) {
      ctx.stderr.write(`hidsmon ${name}: ${e.message.replace(/^hidsmon \w+: /, '')}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

