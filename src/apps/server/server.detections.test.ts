/**
 * Detections on the stream, end to end with real parts: the simulator's attack scenarios shipped
 * with the AWS SDK v3 client → durable log → forwarder → index (embedded DuckDB, or the dev
 * OpenSearch node) → the rule engine's onIndexed hook → the DetectionStore. The same detections
 * (ids, counts, hosts) on both backends; a server stopped and started in the middle of a window,
 * with part of the traffic shipped again, finds exactly the detections of an uninterrupted run.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { Client } from '@opensearch-project/opensearch';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedOpenSearch, testIndexPrefix } from '../../../test/support/opensearch.js';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import type { Detection } from '../../core/detection.js';
import { FleetSimulator, type SimulatedAlert } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { openSearchClient } from '../../sinks/opensearch/connection.js';
import { indexTemplateName } from '../../sinks/opensearch/index-template.js';
import { startServer, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-server-detections-'));
const KEY = { id: 'AKIAHIDSMONTEST0002', secret: 'test-secret-key-0123456789', profile: 'admin' as const };
const logger = pino({ level: 'silent' });
const prefixes: string[] = [];
let admin: Client | undefined;

afterAll(async () => {
  for (const prefix of prefixes) {
    await admin?.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await admin?.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
  }
  await admin?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function config(dataDir: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir, accessKeys: [KEY], apiTokens: ['test-api-token-0123456789abcdef'], ...overrides };
}

const START = Date.now() - 3 * 3_600_000;
const sim = new FleetSimulator({ hosts: 4, seed: 21, ratePerSec: 2, startMs: START, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.2 });
const ALERTS = Array.from({ length: 3000 }, () => sim.next());
const ATTACKERS = new Set(Object.values(sim.attackerIps));

type Batch = { stream: string; alerts: SimulatedAlert[] };

/** PutLogEvents calls as live agents make them: in rounds of 200 alerts, each host's part of a round as one call. */
const BATCHES: Batch[] = [];
for (let i = 0; i < ALERTS.length; i += 200) {
  const round = ALERTS.slice(i, i + 200);
  for (const host of sim.hosts) {
    const alerts = round.filter((a) => a.host === host);
    if (alerts.length > 0) BATCHES.push({ stream: host.instanceId, alerts });
  }
}

/** Ships the batches with the AWS SDK, in order (the arrival order decides which alerts share a window, as in any stream); a call throttled while indexing is behind is retried by the SDK, as an agent does. */
async function ship(server: RunningServer, batches: readonly Batch[]): Promise<void> {
  const cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 10 });
  try {
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' })).catch((e: Error) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
    for (const host of sim.hosts) {
      await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: host.instanceId })).catch((e: Error) => {
        if (e.name !== 'ResourceAlreadyExistsException') throw e;
      });
    }
    for (const batch of batches) {
      await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: batch.stream, logEvents: batch.alerts.map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })) }));
    }
  } finally {
    cw.destroy();
  }
}

async function settled(server: RunningServer): Promise<void> {
  expect(await server.forwarder.drained(60_000)).toBe(true);
  await server.detectionEngine.runner?.idle();
}

async function allDetections(server: RunningServer): Promise<Detection[]> {
  const page = await server.detections.store.list({ limit: 1000 });
  return page.detections;
}

/** What must agree between runs: everything but createdAt (and status, untouched here). */
const essence = (detections: Detection[]): string[] =>
  detections.map((d) => JSON.stringify([d.id, d.rule.id, d.group, d.count, d.hosts, d.window, d.evidence.map((e) => [e['@timestamp'], e['@log_stream'], e.text])])).sort();

async function runOnce(dataDir: string, overrides: Partial<ServerConfig> = {}): Promise<Detection[]> {
  const server = await startServer(config(dataDir, overrides), { logger });
  try {
    await ship(server, BATCHES);
    await settled(server);
    return await allDetections(server);
  } finally {
    await server.stop();
  }
}

describe('detections on the stream, embedded and OpenSearch', () => {
  let embedded: Detection[];
  beforeAll(async () => {
    embedded = await runOnce(join(tmp, 'embedded'));
  }, 120_000);

  it('fires the scenario rules on the attackers only, with their evidence and a query for Discover', () => {
    const rules = new Set(embedded.map((d) => d.rule.id));
    for (const id of ['builtin.ssh-brute-force', 'builtin.ssh-brute-force-spread', 'builtin.port-scan', 'builtin.web-400-burst']) expect(rules.has(id), id).toBe(true);
    for (const d of embedded.filter((x) => x.rule.id !== 'builtin.package-installed')) {
      expect(ATTACKERS.has(d.group[0]?.value as string), `${d.rule.id} ${JSON.stringify(d.group)}`).toBe(true);
      expect(d.evidence.length).toBeGreaterThan(0);
      expect(d.query).toContain(`srcip:"${d.group[0]?.value}"`);
    }
  });

  it('the OpenSearch backend makes the same detections', async () => {
    const url = await sharedOpenSearch();
    admin ??= openSearchClient({ url });
    const prefix = testIndexPrefix();
    prefixes.push(prefix);
    const onOpenSearch = await runOnce(join(tmp, 'opensearch'), { backend: 'opensearch', openSearch: { url, indexPrefix: prefix } });
    expect(essence(onOpenSearch)).toEqual(essence(embedded));
  }, 180_000);

  it('a server stopped in the middle of a window and started again, with traffic shipped twice, neither loses nor duplicates a detection', async () => {
    const dataDir = join(tmp, 'restart');
    const ssh = sim.attackerIps['ssh-brute-force'];
    // Cut inside the second brute-force window of the uninterrupted run: some of its 10 alerts are
    // delivered before the stop, the rest after the start.
    const windows = embedded.filter((d) => d.rule.id === 'builtin.ssh-brute-force').map((d) => Date.parse(d.window.start)).sort((a, b) => a - b);
    const second = windows[1] as number;
    let inWindow = 0;
    const cut = BATCHES.findIndex((b) => (inWindow += b.alerts.filter((a) => a.ossecFields['srcip'] === ssh && a.timeMs >= second).length) >= 1) + 1;
    expect(inWindow).toBeGreaterThan(0);
    expect(inWindow).toBeLessThan(10);
    expect(cut).toBeGreaterThan(4);
    const first = await startServer(config(dataDir), { logger });
    await ship(first, BATCHES.slice(0, cut));
    await settled(first);
    const before = await allDetections(first);
    await first.stop();
    const restarted = await startServer(config(dataDir), { logger });
    try {
      // The agents send the first round again (they lost their checkpoints): the index holds those alerts
      // already, and their windows are spent; the open window's first alerts are not sent again.
      await ship(restarted, [...BATCHES.slice(0, 4), ...BATCHES.slice(cut)]);
      await settled(restarted);
      const after = await allDetections(restarted);
      expect(after.length).toBeGreaterThan(before.length);
      expect(essence(after)).toEqual(essence(embedded));
    } finally {
      await restarted.stop();
    }
  }, 180_000);
});

describe('rules from files and the API', () => {
  it('skips a bad rule file with its place, takes a good one, and adds, lists and deletes rules through /api/rules', async () => {
    const dataDir = join(tmp, 'rules-api');
    mkdirSync(join(dataDir, 'rules'), { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
    writeFileSync(join(dataDir, 'rules', 'bad.yaml'), "id: bad\nname: Bad\nquery: 'rule.level:(3'\ncondition: {kind: threshold, count: 2, window: 1m}\n");
    writeFileSync(join(dataDir, 'rules', 'good.yaml'), "id: root-guessing\nname: Root guessing\nquery: 'rule.sidid:5716 AND dstuser:root'\ncondition: {kind: threshold, count: 20, window: 10m, group_by: [srcip]}\n");
    const server = await startServer(config(dataDir), { logger });
    const call = async (path: string, init: RequestInit = {}): Promise<{ status: number; json: any }> => {
      const r = await fetch(`${server.url}${path}`, { ...init, headers: { Authorization: 'Bearer test-api-token-0123456789abcdef', 'Content-Type': 'application/json' } });
      return { status: r.status, json: await r.json() };
    };
    try {
      expect(server.detectionEngine.fileProblems.map((p) => [p.file, p.path, p.line])).toEqual([['bad.yaml', 'query', 3]]);
      const listed = await call('/api/rules');
      const ids = listed.json.rules.map((r: any) => [r.rule.id, r.source, r.editable]);
      expect(ids).toContainEqual(['builtin.ssh-brute-force', 'builtin', false]);
      expect(ids).toContainEqual(['root-guessing', 'file', false]);
      const yaml = "id: web-probe\nname: Web probe\nquery: 'rule.sidid:31101'\ncondition: {kind: spread, hosts: 3, window: 5m, group_by: [srcip]}\n";
      const added = await call('/api/rules', { method: 'POST', body: JSON.stringify({ yaml }) });
      expect(added.status).toBe(201);
      expect(existsSync(join(dataDir, 'rules', 'api', 'web-probe.yaml'))).toBe(true);
      expect(server.detectionEngine.rules.get('web-probe')?.source).toBe('api');
      const bad = await call('/api/rules', { method: 'POST', body: JSON.stringify({ yaml: yaml.replace('hosts: 3', 'hosts: 1') }) });
      expect(bad.status).toBe(400);
      expect(bad.json.error.problems[0]).toMatchObject({ path: 'condition.hosts', line: 4 });
      expect((await call('/api/rules/root-guessing', { method: 'DELETE' })).status).toBe(409);
      expect((await call('/api/rules/web-probe', { method: 'DELETE' })).status).toBe(200);
      expect(existsSync(join(dataDir, 'rules', 'api', 'web-probe.yaml'))).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
