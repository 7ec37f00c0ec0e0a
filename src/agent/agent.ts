/**
 * @module The agent composed: resolve the host's identity (stream name), build the CloudWatch Logs
 * client, open the shipper (spool + sender) and start the follower (tail) writing into it; write
 * status.json every second; stop by draining within a deadline, checkpoints saved.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../core/result.js';
import { createLogsClient, readCaFile } from './logs-client.js';
import type { AgentConfig } from './config.js';
import { fetchInstanceId, hostName } from './instance-identity.js';
import { createShipper, type Shipper } from './ship/index.js';
import { writeStatusFile, type AgentStatus } from './status-file.js';
import { needsInstanceId, renderStreamName } from './stream-name.js';
import { startFollower, type Follower } from './tail-adapter.js';

/** A start that cannot go on: bad CA file, no instance id under `instance_id_fallback: fail`, unwritable state dir. */
export class AgentStartError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = 'AgentStartError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** How the agent ended: ok when everything read was delivered (nothing left spooled), else why not. */
export type AgentOutcome = { ok: true; sentEvents: number } | { ok: false; code: string; message: string; spooledRecords: number };

export interface RunningAgent {
  logStream: string;
  /** Settles when the agent has stopped (after `--once` finished, a signal, or `stop`). */
  stopped: Promise<AgentOutcome>;
  /** Stops reading, sends what is spooled for up to `deadlineMs`, saves checkpoints. */
  stop(deadlineMs?: number): Promise<AgentOutcome>;
  status(): AgentStatus;
}

export interface AgentRunOptions {
  log: Logger;
  /** Aborted: stop (SIGTERM) with `drain_timeout_ms`. */
  signal?: AbortSignal;
  /** Ship what the files hold now, then stop. */
  once?: boolean;
  env?: Record<string, string | undefined>;
  /** How often status.json is rewritten (default 1000 ms). */
  statusIntervalMs?: number;
}

export const CHECKPOINT_FILE = 'checkpoints.json';
export const SPOOL_DIR = 'spool';

/** The stream name, with `{instance_id}` from IMDSv2 (or the host name, per `instance_id_fallback`). */
export async function resolveLogStream(config: AgentConfig, env: Record<string, string | undefined>, log: Logger): Promise<Result<string, { code: string; message: string }>> {
  const hostname = hostName();
  if (!needsInstanceId(config.logStream)) return ok(renderStreamName(config.logStream, { instanceId: hostname, hostname }));
  const found = await fetchInstanceId({ env, timeoutMs: config.imdsTimeoutMs });
  if (found.ok) return ok(renderStreamName(config.logStream, { instanceId: found.value, hostname }));
  if (config.instanceIdFallback === 'fail') {
    return err({ code: found.error.code, message: `${found.error.message} The log stream "${config.logStream}" needs the instance id (instance_id_fallback: fail); write log_stream: "{hostname}" off EC2, or instance_id_fallback: hostname.` });
  }
  log.warn({ code: found.error.code, reason: found.error.message, hostname }, 'no EC2 instance id: {instance_id} is the host name');
  return ok(renderStreamName(config.logStream, { instanceId: hostname, hostname }));
}

export async function startAgent(config: AgentConfig, options: AgentRunOptions): Promise<RunningAgent> {
  const { log } = options;
  const env = options.env ?? process.env;
  try {
    mkdirSync(join(config.stateDir, SPOOL_DIR), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new AgentStartError('STATE_DIR', `state_dir ${config.stateDir} cannot be made (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); make it writable by the agent's user.`);
  }
  let ca: string | undefined;
  try {
    ca = config.caFile ? readCaFile(config.caFile) : undefined;
  } catch (e) {
    throw new AgentStartError('CA_FILE', (e as Error).message.replace(/^--ca/, 'ca_file'), 2);
  }
  const stream = await resolveLogStream(config, env, log);
  if (!stream.ok) throw new AgentStartError(stream.error.code, stream.error.message);
  const logStream = stream.value;
  const endpoint = config.endpoint.kind === 'url' ? config.endpoint.url : `CloudWatch Logs in ${config.endpoint.region}`;

  // One attempt per call: the shipper's retry policy retries, without limit and visibly.
  const client = createLogsClient({
    region: config.endpoint.region,
    ...(config.endpoint.kind === 'url' ? { endpoint: config.endpoint.url } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(ca ? { ca } : {}),
  });
  const startedAt = new Date().toISOString();
  let follower: Follower | undefined;
  const shipper: Shipper = await createShipper({
    client,
    logGroup: config.logGroup,
    logStream,
    spoolDir: join(config.stateDir, SPOOL_DIR),
    spoolMaxBytes: config.spoolMaxBytes,
    bufferMs: config.bufferDurationMs,
    heartbeatMs: options.once ? 0 : config.heartbeatIntervalSeconds * 1000,
    heartbeatInfo: () => ({ agent: 'hidsmon-agent', host: hostName(), files: follower?.files().length ?? 0 }),
    log: log.child({ part: 'ship' }),
  });
  log.info({ logGroup: config.logGroup, logStream, endpoint, inputs: config.inputs.map((i) => i.path), once: options.once === true }, 'agent started');

  const stopReading = new AbortController();
  follower = await startFollower({
    inputs: config.inputs,
    checkpointFile: join(config.stateDir, CHECKPOINT_FILE),
    startPosition: config.startPosition,
    sink: shipper.sink,
    makeRecord: shipper.makeRecord,
    signal: stopReading.signal,
    log: log.child({ part: 'tail' }),
    once: options.once === true,
  });

  let state: AgentStatus['state'] = 'running';
  const status = (): AgentStatus => {
    const s = shipper.status();
    return {
      pid: process.pid,
      state,
      startedAt,
      updatedAt: new Date().toISOString(),
      logGroup: config.logGroup,
      logStream,
      endpoint,
      files: follower?.files() ?? [],
      spool: { bytes: s.spool.bytes, maxBytes: s.spool.maxBytes, records: s.spool.records, full: s.spool.full },
      sent: { events: s.sentEvents, batches: s.sentBatches },
      ...(s.lastSendMs !== null ? { lastSendAt: new Date(s.lastSendMs).toISOString() } : {}),
      ...(s.lastError ? { lastError: { at: new Date(s.lastError.atMs).toISOString(), code: s.lastError.code, message: s.lastError.message } } : {}),
      details: { ship: { state: s.state, rejectedEvents: s.rejectedEvents, splitRecords: s.splitRecords, heartbeats: s.heartbeats }, tail: follower?.details() ?? {} },
    };
  };
  let writing = Promise.resolve();
  const saveStatus = (): Promise<void> =>
    (writing = writing.then(() => writeStatusFile(config.stateDir, status())).catch((e: unknown) => log.warn({ error: (e as Error).message }, 'status.json could not be written')));
  const statusTimer = setInterval(() => void saveStatus(), options.statusIntervalMs ?? 1000);
  void saveStatus();

  let stopping: Promise<AgentOutcome> | undefined;
  /** Why the agent stops other than by request (the follower failed); its outcome then is not ok. */
  let failure: { code: string; message: string } | undefined;
  let settle: (outcome: AgentOutcome) => void = () => {};
  const stopped = new Promise<AgentOutcome>((resolve) => (settle = resolve));
  const stop = (deadlineMs = config.drainTimeoutMs): Promise<AgentOutcome> => {
    stopping ??= (async () => {
      state = 'draining';
      void saveStatus();
      log.info({ deadlineMs, spooledRecords: shipper.status().spool.records }, 'stopping: reading ends, checkpoints are saved, spooled events are sent until the deadline');
      const startedStop = Date.now();
      stopReading.abort();
      await follower?.close();
      const empty = await shipper.close(Math.max(0, deadlineMs - (Date.now() - startedStop)));
      clearInterval(statusTimer);
      state = 'stopped';
      await saveStatus();
      client.destroy();
      const s = shipper.status();
      if (failure) return { ok: false, code: failure.code, message: failure.message, spooledRecords: s.spool.records } as const;
      if (empty) {
        log.info({ sentEvents: s.sentEvents }, 'agent stopped: everything read was delivered');
        return { ok: true, sentEvents: s.sentEvents } as const;
      }
      const why = s.lastError ? `${s.lastError.code}: ${s.lastError.message}` : 'the drain deadline passed';
      log.warn({ spooledRecords: s.spool.records, lastError: s.lastError }, 'agent stopped with events still spooled: they are sent at the next start');
      return { ok: false, code: s.lastError?.code ?? 'DRAIN_DEADLINE', message: why, spooledRecords: s.spool.records } as const;
    })();
    void stopping.then(settle);
    return stopping;
  };
  if (options.signal) {
    if (options.signal.aborted) void stop();
    else options.signal.addEventListener('abort', () => void stop(), { once: true });
  }

  // However it stops (--once done, the signal, stop(), the follower failing), `stopped` is the stop's outcome.
  if (options.once)
    void runOnce(config, follower, shipper, stop, log, options.signal).catch((e: unknown) => {
      failure = { code: 'TAIL_FAILED', message: (e as Error).message };
      log.error({ error: failure.message }, '--once: following the files failed');
      return stop(0);
    });
  else
    void follower.ended.then(
      () => stop(),
      (e: unknown) => {
        failure = { code: 'TAIL_FAILED', message: (e as Error).message };
        log.error({ error: failure.message }, 'following the files failed');
        return stop();
      },
    );
  return { logStream, stopped, stop, status };
}

/**
 * `--once`: read every file to its current end, then wait for the spool to empty. It gives up when
 * delivery is blocked (a non-retryable error) or makes no progress for `drain_timeout_ms`; what is
 * left stays spooled, and the checkpoints say what was read, so the next run sends it.
 */
async function runOnce(config: AgentConfig, follower: Follower, shipper: Shipper, stop: (deadlineMs?: number) => Promise<AgentOutcome>, log: Logger, signal?: AbortSignal): Promise<AgentOutcome> {
  await follower.caughtUp();
  let lastProgress = Date.now();
  let sent = shipper.status().sentEvents;
  while (!signal?.aborted) {
    if (await shipper.drained(250)) break;
    const s = shipper.status();
    if (s.sentEvents !== sent) {
      sent = s.sentEvents;
      lastProgress = Date.now();
    }
    if (s.state === 'blocked') {
      log.error({ code: s.lastError?.code, error: s.lastError?.message }, '--once: delivery is refused; the events stay spooled');
      break;
    }
    if (Date.now() - lastProgress > config.drainTimeoutMs) {
      log.error({ code: s.lastError?.code, error: s.lastError?.message, waitedMs: config.drainTimeoutMs }, '--once: no delivery progress; the events stay spooled');
      break;
    }
  }
  return stop(0);
}
