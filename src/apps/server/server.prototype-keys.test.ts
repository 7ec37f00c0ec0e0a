/**
 * Poison field names in live traffic: alerts whose keys are `Object.prototype` member names
 * (`constructor`, `toString`, `__proto__`, …), at the top level and nested, arrive through the real
 * AWS SDK v3 client between other hosts' alerts. Every alert is indexed with its fields, and the
 * other hosts' alerts stay searchable within seconds (before the fix, one such alert made the
 * store throw, and the forwarder's retries and bisection held every host back for about 24 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { startServer, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-server-proto-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = { id: 'AKIAHIDSMONTEST0002', secret: 'test-secret-key-prototype-names' };
const TOKEN = 'test-api-token-prototype-names-0123';
const GROUP = 'hids-alerts';
const POISON_STREAM = 'i-0badc0ffee0000001';
/** A stream that gets alerts of both kinds, so that poison and clean alerts share forwarder batches. */
const MIXED_STREAM = 'i-0mixed00000000002';
const SEARCH_DEADLINE_MS = 5_000;
const ROUNDS = 8;

const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])].sort();

function put(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function ownAt(doc: unknown, keys: readonly string[]): unknown {
  let node = doc;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

interface Poison {
  message: string;
  /** Where the prototype-named field sits, and what it holds. */
  keys: string[];
  value: unknown;
}

/** An ordinary alert with one prototype-named field added: an object, at the top level or nested. */
function poisonOf(message: string, name: string, n: number): Poison {
  const alert = JSON.parse(message) as Record<string, unknown>;
  const value: Record<string, unknown> = { a: `v-${n}` };
  put(value, name, n);
  const where = n % 4;
  let keys: string[];
  if (where === 0) {
    put(alert, name, value);
    keys = [name];
  } else if (where === 1) {
    put(alert['rule'] as object, name, value);
    keys = ['rule', name];
  } else if (where === 2) {
    const data = {};
    put(data, name, value);
    alert['data'] = data;
    keys = ['data', name];
  } else {
    const inner = {};
    put(inner, name, value);
    put(alert, name, inner);
    keys = [name, name];
  }
  return { message: JSON.stringify(alert), keys, value };
}

async function api(server: RunningServer, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, path).toBe(200);
  return response.json();
}

async function countIn(server: RunningServer, stream: string): Promise<number> {
  const result = await api(server, '/api/search', { query: `@log_stream:"${stream}"`, from: 'now-3h', to: 'now+1h', size: 0 });
  return result.total as number;
}

describe('server: prototype-named alert fields in live traffic', () => {
  let server: RunningServer;
  let cw: CloudWatchLogsClient;
  const now = Date.now();
  const sim = new FleetSimulator({ hosts: 2, seed: 808, ratePerSec: 20, startMs: now - 30 * 60_000, scenarios: ['ssh-brute-force'] });
  const poisonSim = new FleetSimulator({ hosts: 1, seed: 909, ratePerSec: 20, startMs: now - 20 * 60_000, scenarios: ['ssh-brute-force'] });
  const poisons: Poison[] = [];
  const cleanSent = new Map<string, number>();

  beforeAll(async () => {
    const config: ServerConfig = { ...DEFAULTS, port: 0, dataDir: join(tmp, 'data'), accessKeys: [KEY], apiTokens: [TOKEN] };
    server = await startServer(config, { logger: pino({ level: 'silent' }) });
    cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    await cw.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    for (const stream of [...sim.hosts.map((h) => h.instanceId), POISON_STREAM, MIXED_STREAM]) {
      await cw.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
    }
  }, 60_000);
  afterAll(async () => {
    cw?.destroy();
    await server?.stop();
  });

  const send = async (stream: string, events: InputLogEvent[]): Promise<void> => {
    await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, logEvents: [...events].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0)) }));
  };

  it("keeps other hosts' alerts searchable within seconds while poison alerts flow", async () => {
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Poison first, so that the clean alerts sent after it are read in the same or the next forwarder batch.
      const batch: InputLogEvent[] = [];
      for (let k = 0; k < 4; k++) {
        const alert = poisonSim.next();
        const poison = poisonOf(renderAlert(alert, 'ossec-json'), NAMES[n % NAMES.length] as string, n);
        n++;
        poisons.push(poison);
        batch.push({ timestamp: alert.timeMs, message: poison.message });
      }
      const sentAt = performance.now();
      await send(POISON_STREAM, batch);
      const mixed: InputLogEvent[] = [];
      const alert = poisonSim.next();
      const poison = poisonOf(renderAlert(alert, 'ossec-json'), NAMES[n % NAMES.length] as string, n);
      n++;
      poisons.push(poison);
      mixed.push({ timestamp: alert.timeMs, message: poison.message });
      for (let k = 0; k < 5; k++) {
        const clean = poisonSim.next();
        mixed.push({ timestamp: clean.timeMs + 1, message: renderAlert(clean, 'wazuh-json') });
      }
      await send(MIXED_STREAM, mixed);
      cleanSent.set(MIXED_STREAM, (cleanSent.get(MIXED_STREAM) ?? 0) + 5);
      for (const host of sim.hosts) {
        const events: InputLogEvent[] = [];
        while (events.length < 25) {
          const a = sim.next();
          if (a.host === host) events.push({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') });
        }
        await send(host.instanceId, events);
        cleanSent.set(host.instanceId, (cleanSent.get(host.instanceId) ?? 0) + events.length);
      }
      // Every other host's alerts of this round are searchable within the deadline, counted from the poison batch.
      for (const host of sim.hosts) {
        const want = cleanSent.get(host.instanceId) as number;
        let have = 0;
        while (performance.now() - sentAt < SEARCH_DEADLINE_MS) {
          have = await countIn(server, host.instanceId);
          if (have >= want) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(have, `round ${round}: ${host.instanceId} searchable ${Math.round(performance.now() - sentAt)} ms after the poison batch`).toBe(want);
      }
    }
    expect(await server.forwarder.drained(10_000)).toBe(true);
    expect(await countIn(server, MIXED_STREAM)).toBe(ROUNDS * 6);
  }, 120_000);

  it('indexes every poison alert with its fields intact, and nothing was dead-lettered', async () => {
    expect(poisons.length).toBe(ROUNDS * 5);
    const result = await api(server, '/api/search', { query: `@log_stream:"${POISON_STREAM}" OR @log_stream:"${MIXED_STREAM}"`, from: 'now-3h', to: 'now+1h', size: 1000 });
    const byMessage = new Map<string, any>(result.hits.map((h: any) => [h.document['@message'], h.document]));
    for (const poison of poisons) {
      const doc = byMessage.get(poison.message);
      expect(doc, poison.keys.join('.')).toBeDefined();
      expect(ownAt(doc, poison.keys), poison.keys.join('.')).toEqual(poison.value);
      expect(doc.hidsmon.flags, poison.keys.join('.')).toBeUndefined();
    }
    // The fields are in the catalog and findable by value.
    const fields = await fetch(`${server.url}/api/fields`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);
    const names = new Set((fields.fields as Array<{ name: string }>).map((f) => f.name));
    for (const poison of poisons) expect(names, poison.keys.join('.')).toContain(`${poison.keys.join('.')}.a`);
    const first = poisons[0] as Poison;
    const found = await api(server, '/api/search', { query: `${first.keys.join('.')}.a:"${(first.value as { a: string }).a}"`, from: 'now-3h', to: 'now+1h', size: 5 });
    expect(found.total).toBe(1);
    const dead = await fetch(`${server.url}/api/dead-letters`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);
    expect(dead.dead_letters).toEqual([]);
  });

  it('takes prototype names as aggregation names and DSL field names in /api/search', async () => {
    // Raw JSON text: a `__proto__` key made by JSON.parse on the server is an own key, as in any client's body.
    const withName = poisons.find((p) => p.keys.length === 1 && p.keys[0] === '__proto__') ?? (poisons[0] as Poison);
    const path = `${withName.keys.join('.')}.a`;
    const body = `{"query": "", "from": "now-3h", "to": "now+1h", "size": 1,
      "filters": [{"term": {${JSON.stringify(path)}: ${JSON.stringify((withName.value as { a: string }).a)}}}],
      "aggs": {"__proto__": {"type": "cardinality", "field": "@log_stream"}, "constructor": {"type": "terms", "field": ${JSON.stringify(path)}}, "toString": {"type": "date_histogram"}}}`;
    const response = await fetch(`${server.url}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body });
    expect(response.status).toBe(200);
    const result = JSON.parse(await response.text()) as { total: number; aggregations: Record<string, any> };
    expect(result.total).toBe(1);
    expect(Object.keys(result.aggregations).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.hasOwn(result.aggregations, '__proto__') && result.aggregations['__proto__']).toEqual({ type: 'cardinality', value: 1 });
    expect(result.aggregations['constructor']).toMatchObject({ type: 'terms', buckets: [{ key: (withName.value as { a: string }).a, count: 1 }] });
    expect(result.aggregations['toString']).toMatchObject({ type: 'date_histogram' });
  });
});
