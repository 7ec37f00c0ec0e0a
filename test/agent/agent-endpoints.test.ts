/**
 * The agent (startAgent, as `hidsmon agent` runs it) against two CloudWatch Logs implementations:
 * the hidsmon server (strict: SigV4 checked, an agent key's policy, CloudWatch's limits; read back
 * through the index with /api/search) and moto's server mode, which nobody here wrote (lax, see
 * src/testing/moto.ts; read back with GetLogEvents and FilterLogEvents). The same alerts file,
 * the same code, two endpoints.
 */
import { appendFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../src/agent/agent.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../../src/agent/config.js';
import { isHeartbeatMessage } from '../../src/agent/ship/index.js';
import { startServer, type RunningServer } from '../../src/apps/server/server.js';
import { DEFAULTS, type ServerConfig } from '../../src/config/server-config.js';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../../src/testing/moto.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-agent-endpoints-'));
const log = pino({ level: 'silent' });
const AGENT_KEY = { id: 'AKIAHIDSMONAGENT0001', secret: 'agent-endpoints-secret-0123456789' };
const TOKEN = 'agent-endpoints-api-token-0123456789abcdef';
const STREAM = 'i-0e427a8594852eca2';

let server: RunningServer;
let moto: MotoServer;
beforeAll(async () => {
  const config = { ...DEFAULTS, port: 0, dataDir: join(tmp, 'server'), accessKeys: [{ ...AGENT_KEY, profile: 'agent' }], apiTokens: [TOKEN] } as ServerConfig;
  [server, moto] = await Promise.all([startServer(config, { logger: log }), startMotoServer()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.stop(), moto?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

/** Each tag's alerts have offsets of their own: two tests' alerts in one stream within the same second must not share ids (the server would index them as one). */
const tagBlocks = new Map<string, number>();

/** `count` OSSEC alerts.json lines with ids `<epoch>.<offset>` from `first`, an hour ago onwards. */
function alertLines(first: number, count: number, tag: string): string {
  const base = Math.floor(Date.now() / 1000) - 3600;
  if (!tagBlocks.has(tag)) tagBlocks.set(tag, tagBlocks.size * 1_000_000);
  const block = tagBlocks.get(tag)!;
  let text = '';
  for (let n = first; n < first + count; n++) {
    text += `${JSON.stringify({ rule: { level: 6, comment: `agent test ${tag}`, sidid: 5712, group: 'syslog,sshd,' }, id: `${base + n}.${block + n}`, TimeStamp: (base + n) * 1000, location: '/var/log/secure', hostname: 'ip-10-0-1-23', srcip: '10.10.10.10', full_log: `${tag} alert ${n} naïve ünïcode` })}\n`;
  }
  return text;
}

function agentConfig(name: string, endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, logGroup: string): { config: AgentConfig; alerts: string } {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'ossec'), { recursive: true });
  const alerts = join(dir, 'ossec', 'alerts.json');
  writeFileSync(alerts, '');
  const config: AgentConfig = {
    ...AGENT_DEFAULTS,
    inputs: [{ path: alerts, format: 'auto' }],
    logGroup,
    logStream: STREAM,
    endpoint: { kind: 'url', url: endpoint, region: 'us-east-1' },
    credentials,
    stateDir: join(dir, 'state'),
    startPosition: 'start',
    bufferDurationMs: 100,
    heartbeatIntervalSeconds: 0,
    drainTimeoutMs: 10_000,
  };
  return { config, alerts };
}

async function until<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function searchTotal(query: string): Promise<number> {
  const r = await fetch(`${server.url}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query, from: 'now-1d', size: 0 }) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { total: number }).total;
}

async function motoEvents(client: CloudWatchLogsClient, logGroup: string): Promise<OutputLogEvent[]> {
  const events: OutputLogEvent[] = [];
  // By hand, bounded: the SDK's paginator stops on a repeated token, which moto does not always give.
  let nextToken: string | undefined;
  for (let page = 0; page < 100; page++) {
    const got = await client.send(new GetLogEventsCommand({ logGroupName: logGroup, logStreamName: STREAM, startFromHead: true, ...(nextToken ? { nextToken } : {}) }));
    events.push(...(got.events ?? []));
    if ((got.events ?? []).length === 0 || got.nextForwardToken === nextToken) break;
    nextToken = got.nextForwardToken;
  }
  return events.filter((e) => !isHeartbeatMessage(e.message ?? ''));
}

describe('the agent against the hidsmon server', () => {
  it('--once ships an alerts file with an agent key; every alert is searchable once; a second run ships nothing again', async () => {
    const { config, alerts } = agentConfig('hidsmon-once', server.url, { accessKeyId: AGENT_KEY.id, secretAccessKey: AGENT_KEY.secret }, 'hids-alerts');
    writeFileSync(alerts, alertLines(0, 500, 'once'));
    const first = await startAgent(config, { log, once: true });
    expect(first.logStream).toBe(STREAM);
    const outcome = await first.stopped;
    expect(outcome).toMatchObject({ ok: true });
    expect(first.status().sent.events).toBe(500);
    expect(await until('indexed', () => searchTotal('"agent test once"'), (n) => n >= 500)).toBe(500);
    expect(await searchTotal(`@log_stream: "${STREAM}" AND srcip: 10.10.10.10 AND rule.level: 6 AND "agent test once"`)).toBe(500);

    const again = await startAgent(config, { log, once: true });
    await again.stopped;
    expect(again.status().sent.events).toBe(0);
    expect(await searchTotal('"agent test once"')).toBe(500);
  });

  it('follows the file live: appended alerts arrive, and a stop drains', async () => {
    const { config, alerts } = agentConfig('hidsmon-live', server.url, { accessKeyId: AGENT_KEY.id, secretAccessKey: AGENT_KEY.secret }, 'hids-alerts');
    const agent = await startAgent(config, { log });
    try {
      appendFileSync(alerts, alertLines(0, 100, 'live'));
      await until('first part indexed', () => searchTotal('"agent test live"'), (n) => n >= 100);
      appendFileSync(alerts, alertLines(100, 100, 'live'));
      await until('second part indexed', () => searchTotal('"agent test live"'), (n) => n >= 200);
    } finally {
      expect(await agent.stop()).toMatchObject({ ok: true });
    }
    expect(await searchTotal('"agent test live"')).toBe(200);
    expect(agent.status().sent.events).toBe(200);
    // Generous: in CI this file runs beside the whole suite on two cores.
  }, 120_000);
});

describe('the agent against moto_server', () => {
  it('--once creates the group and stream and ships every alert in order; GetLogEvents and FilterLogEvents read them back', async () => {
    const { config, alerts } = agentConfig('moto-once', moto.url, MOTO_CREDENTIALS, 'hids-alerts-moto');
    const text = alertLines(0, 300, 'moto');
    writeFileSync(alerts, text);
    const agent = await startAgent(config, { log, once: true });
    expect(await agent.stopped).toMatchObject({ ok: true });
    const client = new CloudWatchLogsClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    try {
      const events = await motoEvents(client, 'hids-alerts-moto');
      expect(events.map((e) => e.message)).toEqual(text.trimEnd().split('\n'));
      // The alert's own time, not the read time.
      expect(events[0]!.timestamp).toBe(JSON.parse(events[0]!.message!).TimeStamp);
      // The alert's own time, not the read time.
      expect(events[0]!.timestamp).toBe(JSON.parse(events[0]!.message!).TimeStamp);
      const filtered = await client.send(new FilterLogEventsCommand({ logGroupName: 'hids-alerts-moto', filterPattern: '"alert 299"', limit: 100 }));
      expect(filtered.events?.map((e) => JSON.parse(e.message!).id)).toEqual([JSON.parse(events[299]!.message!).id]);
    } finally {
      client.destroy();
    }
  });

  it('follows the file live; what a stop left unread, the next start ships', async () => {
    const { config, alerts } = agentConfig('moto-live', moto.url, MOTO_CREDENTIALS, 'hids-alerts-moto-live');
    const agent = await startAgent(config, { log });
    const client = new CloudWatchLogsClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    try {
      appendFileSync(alerts, alertLines(0, 50, 'moto-live'));
      await until('first part in moto', async () => (await motoEvents(client, 'hids-alerts-moto-live').catch(() => [])).length, (n) => n >= 50);
      appendFileSync(alerts, alertLines(50, 50, 'moto-live'));
      // Stopped at once: whatever of the second part it had not read yet waits in the file.
      expect(await agent.stop()).toMatchObject({ ok: true });
      const next = await startAgent(config, { log, once: true });
      expect(await next.stopped).toMatchObject({ ok: true });
      expect(agent.status().sent.events + next.status().sent.events).toBe(100);
      const events = await motoEvents(client, 'hids-alerts-moto-live');
      expect(events).toHaveLength(100);
      expect(new Set(events.map((e) => JSON.parse(e.message!).id)).size).toBe(100);
      const got = await client.send(new GetLogEventsCommand({ logGroupName: 'hids-alerts-moto-live', logStreamName: STREAM, startFromHead: true, limit: 1 }));
      expect(JSON.parse(got.events![0]!.message!).full_log).toBe('moto-live alert 0 naïve ünïcode');
    } finally {
      client.destroy();
      await agent.stop();
    }
  });
});
