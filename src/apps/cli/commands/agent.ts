/**
 * @module `hidsmon agent`: follows the host's OSSEC/Wazuh alerts files and ships every alert to
 * CloudWatch Logs or a hidsmon server; `hidsmon agent status` shows what a running agent is doing.
 * Imports nothing of the server, so that the agent's bundle stays small (scripts/build-agent.mjs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { startAgent, AgentStartError } from '../../../agent/agent.js';
import { loadAgentConfig, type AgentConfig } from '../../../agent/config.js';
import { isAlive, readStatusFile, renderStatus } from '../../../agent/status-file.js';
import { parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const DEFAULT_AGENT_CONFIGS = ['agent.yaml', '/etc/hidsmon/agent.yaml'];

export const agentHelp = `Usage: hidsmon agent [--config FILE] [--once]
       hidsmon agent status [--config FILE] [--json]

Follows this host's OSSEC/Wazuh alerts files and ships every alert to CloudWatch
Logs, or to a hidsmon server (which speaks the same API). Alerts are spooled on
disk before they are sent and checkpoints are saved only after that, so a crash,
a restart or the endpoint being away loses nothing. SIGTERM sends what is
spooled (for up to drain_timeout_ms), saves the checkpoints and exits.

Options:
  --config FILE   settings in YAML (default: ./agent.yaml, else /etc/hidsmon/agent.yaml)
  --once          ship what the files hold now, then exit (0: all sent; 1: not)
  --json          (status) the status as JSON
  -h, --help      show this help

agent.yaml:
  inputs:                  files to follow: paths or globs, or {path, format}
    - /var/ossec/logs/alerts/alerts.json
    - {path: /var/ossec/logs/alerts/alerts.log, format: alerts-log}
                           format: auto (default), ossec-json, wazuh-json, alerts-log, raw
  log_group: hids-alerts   created when missing
  log_stream: "{instance_id}"   also {hostname}; the instance id comes from EC2
                           instance metadata (IMDSv2), within imds_timeout_ms (1000)
  instance_id_fallback: hostname   or fail: refuse to start off EC2
  endpoint: us-east-1      an AWS region, or a URL: https://hidsmon.example:5601
  region: us-east-1        the region to sign for, with a URL endpoint
  ca_file: FILE            PEM to trust for the endpoint (a hidsmon server's certificate
                           under tls: auto is <data>/tls/… as its banner says)
  credentials: {access_key_id, secret_access_key}   default: the AWS chain
                           (AWS_ACCESS_KEY_ID/..., ~/.aws, the instance's IAM role)
  state_dir: /var/lib/hidsmon-agent   checkpoints, spool, status.json
  start_position: start    or end: where a file seen for the first time is read from
  buffer_duration_ms: 1000 how long records wait before they are sent
  spool_max_bytes: 268435456   when full, reading pauses (nothing is dropped)
  heartbeat_interval_seconds: 60   a heartbeat event in the stream (0: none)
  drain_timeout_ms: 10000  how long a stop may spend sending

Exit status: 0 done (also a SIGTERM stop with events left spooled: they are sent at the
next start), 1 failed or --once could not send everything (see the log on stderr),
2 bad command line or configuration.
`;

/** The config file named, or the first default that exists; its settings validated. */
export function agentConfigFromCommandLine(values: Record<string, unknown>): AgentConfig {
  const given = stringOption(values as never, 'config');
  const path = given ?? DEFAULT_AGENT_CONFIGS.find((p) => existsSync(p));
  if (path === undefined) throw usageError('agent', `no configuration: pass --config FILE, or write ${DEFAULT_AGENT_CONFIGS.join(' or ')}.`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usageError('agent', `--config: ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  const loaded = loadAgentConfig({ name: path, text });
  if (!loaded.ok) throw new CliError(`The configuration has problems:\n  - ${loaded.error.join('\n  - ')}`, 2);
  // Paths in the file are relative to where the agent runs (systemd: WorkingDirectory).
  const config = loaded.value;
  return { ...config, stateDir: resolve(config.stateDir), ...(config.caFile ? { caFile: resolve(config.caFile) } : {}) };
}

export function agentLogger(level = process.env['HIDSMON_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { service: 'hidsmon-agent', pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

export async function agentCommand(argv: string[], ctx: CommandContext): Promise<number> {
  if (argv[0] === 'status') return statusCommand(argv.slice(1), ctx);
  const { values } = parseCommandLine('agent', argv, { config: { type: 'string' }, once: { type: 'boolean' } }, 0);
  if (values['help']) {
    await writeOut(ctx.stdout, agentHelp);
    return 0;
  }
  const config = agentConfigFromCommandLine(values);
  const log = agentLogger();
  let agent;
  try {
    agent = await startAgent(config, { log, signal: ctx.signal, once: values['once'] === true });
  } catch (e) {
    if (e instanceof AgentStartError) throw new CliError(e.message, e.exitCode);
    throw e;
  }
  const outcome = await agent.stopped;
  if (outcome.ok) return 0;
  // Stopped by SIGTERM with events still spooled is a clean stop (they are sent at the next
  // start); `--once` that could not send everything, or a follower that failed, is not.
  return ctx.signal.aborted && values['once'] !== true ? 0 : 1;
}

async function statusCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandLine('agent status', argv, { config: { type: 'string' }, json: { type: 'boolean' } }, 0);
  if (values['help']) {
    await writeOut(ctx.stdout, agentHelp);
    return 0;
  }
  const config = agentConfigFromCommandLine(values);
  const read = await readStatusFile(config.stateDir);
  if (!read.ok) throw new CliError(read.message);
  const alive = isAlive(read.status.pid);
  await writeOut(ctx.stdout, values['json'] ? `${JSON.stringify({ ...read.status, alive })}\n` : renderStatus(read.status, ctx.now(), alive));
  return 0;
}
