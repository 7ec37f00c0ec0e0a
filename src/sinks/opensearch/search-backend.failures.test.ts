/**
 * Failure modes the real node will not produce on demand (a search past its timeout, a hung node,
 * a 503, a shard failing for a reason of its own), from a loopback stand-in that answers as
 * OpenSearch would; it also shows the body the backend sends.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../pipeline/retry.js';
import { OpenSearchBackend } from './search-backend.js';

type Handler = (body: Record<string, unknown>, res: ServerResponse) => void;

let server: Server | undefined;
const sockets = new Set<import('node:net').Socket>();

async function standIn(handler: Handler): Promise<string> {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => handler(text ? (JSON.parse(text) as Record<string, unknown>) : {}, res));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const EMPTY = { took: 1, timed_out: false, _shards: { total: 1, successful: 1, failed: 0 }, hits: { total: { value: 0, relation: 'eq' }, hits: [] } };

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('OpenSearchBackend failure modes', () => {
  it('sends the search as the embedded store orders it: sort keys, exact total, range, timeout, search_after', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const url = await standIn((body, res) => {
      bodies.push(body);
      json(res, 200, EMPTY);
    });
    const backend = await OpenSearchBackend.open({ url, limits: { searchTimeoutMs: 1234 } });
    const found = await backend.search({ query: { kind: 'match_all' }, source: 'srcip:10.0.0.1', size: 7, timeRange: { fromMs: 1000, toMs: 2000 }, searchAfter: [1500, 'x'] });
    expect(found.ok).toBe(true);
    expect(bodies[0]).toEqual({
      query: { bool: { must: [{ query_string: { query: 'srcip:10.0.0.1', analyze_wildcard: true, default_operator: 'OR' } }], filter: [{ range: { '@timestamp': { gte: 1000, lte: 2000, format: 'epoch_millis' } } }] } },
      size: 7,
      track_total_hits: true,
      sort: [{ '@timestamp': { order: 'desc' } }, { '@id': { order: 'desc' } }],
      search_after: [1500, 'x'],
      timeout: '1234ms',
    });
    await backend.close();
  });

  it('a search OpenSearch stopped at its timeout is the timeout error, not a partial answer', async () => {
    const url = await standIn((_body, res) => json(res, 200, { ...EMPTY, timed_out: true, hits: { total: { value: 3, relation: 'eq' }, hits: [] } }));
    const backend = await OpenSearchBackend.open({ url, limits: { searchTimeoutMs: 50 } });
    expect(await backend.search({ query: { kind: 'match_all' } })).toMatchObject({ ok: false, error: { kind: 'request', message: expect.stringContaining('search_timeout_ms') } });
    await backend.close();
  });

  it('a node that never answers: the client gives up after the search timeout (plus a margin) with the timeout error', async () => {
    const url = await standIn(() => undefined);
    const backend = await OpenSearchBackend.open({ url, limits: { searchTimeoutMs: 100 } });
    expect(await backend.search({ query: { kind: 'match_all' } })).toMatchObject({ ok: false, error: { kind: 'request', message: expect.stringContaining('search_timeout_ms') } });
    await backend.close();
  }, 20_000);

  it('a 503 is the cluster being unavailable (retried by callers), said with its reason', async () => {
    const url = await standIn((_body, res) => json(res, 503, { error: { type: 'cluster_block_exception', reason: 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered]' }, status: 503 }));
    const backend = await OpenSearchBackend.open({ url });
    const failed = backend.search({ query: { kind: 'match_all' } });
    await expect(failed).rejects.toThrow(UnavailableError);
    await expect(backend.search({ query: { kind: 'match_all' } })).rejects.toThrow(/cannot search now \(HTTP 503\): blocked by/);
    await backend.close();
  });

  it('a shard that failed for a reason of its own (not the query\'s) is an error, never an empty result', async () => {
    const url = await standIn((_body, res) =>
      json(res, 200, { ...EMPTY, _shards: { total: 2, successful: 1, failed: 1, failures: [{ index: 'cwl-2024.03.02', reason: { type: 'node_disconnected_exception', reason: 'node left' } }] } }),
    );
    const backend = await OpenSearchBackend.open({ url });
    await expect(backend.search({ query: { kind: 'match_all' } })).rejects.toThrow(/failed the search on 1 of 2 shards: node left/);
    await backend.close();
  });
});
