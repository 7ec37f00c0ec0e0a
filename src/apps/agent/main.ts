/**
 * @module The agent's own entry, `hidsmon-agent`: what the self-contained bundle runs (scripts/build-agent.mjs).
 * Only the agent command, so that the bundle holds none of the server (DuckDB, the UI).
 */
// First: flags that must hold before the agent's code runs.
import './v8-flags.js';
import { agentCommand } from '../cli/commands/agent.js';
import { CliError } from '../cli/cli-error.js';
import { processContext } from '../cli/process-context.js';

process.umask(0o077);

const args = process.argv.slice(2);
const argv = args[0] === 'agent' ? args.slice(1) : args; // `hidsmon-agent agent …` reads as `hidsmon agent …`
try {
  process.exitCode = await agentCommand(argv, processContext());
} catch (e) {
  if (!(e instanceof CliError)) throw e;
  process.stderr.write(`hidsmon-agent: ${e.message}\n`);
  process.exitCode = e.exitCode;
}
