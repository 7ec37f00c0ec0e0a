/**
 * The sink's failure handling against a scripted loopback HTTP endpoint (answers the real node will
 * not give on demand: per-item 429, 503, 413, 401, a refused template). The happy paths and the
 * mapping run against the real node in sink.test.ts.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../core/document.js';
import type { WriteResult } from '../../query/search-api.js';
import { OpenSearchSink } from './sink.js';

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
/** Answers a `_bulk` request: the request's documents' ids, and the how-many-th bulk request it is (1-based). */
type BulkScript = (ids: string[], call: number, bytes: number) => Answer;

interface Endpoint {
  url: string;
  bulks: Array<{ ids: string[]; bytes: number }>;
  templatePuts: number;
  close(): Promise<void>;
}

async function endpoint(script: BulkScript, templateAnswer: (call: number) => Answer = () => ({ status: 200, body: { acknowledged: true } })): Promise<Endpoint> {
  const bulks: Endpoint['bulks'] = [];
  let templatePuts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let answer: Answer;
      if (req.url?.startsWith('/_cluster/health')) answer = { status: 200, body: { number_of_data_nodes: 1 } };
      else if (req.url?.startsWith('/_index_template/')) answer = templateAnswer(++templatePuts);
      else if (req.url?.startsWith('/_bulk')) {
        const lines = body.toString('utf8').trim().split('\n');
        const ids = lines.filter((_, i) => i % 2 === 0).map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);
        bulks.push({ ids, bytes: body.length });
        answer = script(ids, bulks.length, body.length);
      } else answer = { status: 404, body: { error: 'no such route' } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    bulks,
    get templatePuts() {
      return templatePuts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const items = (statuses: number[]) => ({ took: 1, errors: statuses.some((s) => s >= 300), items: statuses.map((status) => ({ create: { status, ...(status >= 300 ? { error: { type: status === 429 ? 'es_rejected_execution_exception' : 'x', reason: 'busy' } } : {}) } })) });

function docs(n: number, fill = 'x'): IndexedDocument[] {
  return Array.from({ length: n }, (_, i) => ({
    index: 'cwl-2024.03.02',
    id: `d${i}`,
    document: { '@id': `e${i}`, '@timestamp': '2024-03-02T12:00:00.000Z', '@message': fill, '@owner': 'o', '@log_group': 'g', '@log_stream': 's', hidsmon: {} },
  }));
}

function kinds(result: WriteResult): string[] {
  if (result.kind !== 'ok') throw result.error;
  return result.outcomes.map((o) => o.kind);
}

const FAST = { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 };

describe('OpenSearchSink failure handling', () => {
  let server: Endpoint | undefined;
  let sink: OpenSearchSink | undefined;
  afterEach(async () => {
    await sink?.close();
    await server?.close();
    sink = undefined;
    server = undefined;
  });

  async function open(script: BulkScript, options: { template?: (call: number) => Answer; retryPolicy?: typeof FAST } = {}): Promise<OpenSearchSink> {
    server = await endpoint(script, options.template);
    sink = await OpenSearchSink.open({ url: server.url, retryPolicy: options.retryPolicy ?? FAST });
    return sink;
  }

  it('retries only the items answered 429 or 5xx, within the call', async () => {
    const s = await open((ids, call) => ({ status: 200, body: items(ids.map((id) => (call === 1 && (id === 'd1' || id === 'd3') ? (id === 'd1' ? 429 : 503) : 201))) }));
    expect(kinds(await s.write(docs(5)))).toEqual(['indexed', 'indexed', 'indexed', 'indexed', 'indexed']);
    expect(server!.bulks.map((b) => b.ids)).toEqual([['d0', 'd1', 'd2', 'd3', 'd4'], ['d1', 'd3']]);
  });

  it('sends the other bodies of a write while items of one wait for their retry', async () => {
    server = await endpoint((ids, call) => ({ status: 200, body: items(ids.map((id) => (call === 1 && id === 'd0' ? 429 : 201))) }));
    sink = await OpenSearchSink.open({ url: server.url, retryPolicy: FAST, maxBulkBytes: 600 });
    expect(kinds(await sink.write(docs(6)))).toEqual(['indexed', 'indexed', 'indexed', 'indexed', 'indexed', 'indexed']);
    const bodies = server.bulks.map((b) => b.ids);
    expect(bodies.length).toBeGreaterThan(2);
    expect(bodies.flat().sort()).toEqual(['d0', 'd0', 'd1', 'd2', 'd3', 'd4', 'd5']);
    expect(bodies[bodies.length - 1]).toEqual(['d0']); // after every other body of the round
  });

  it('retries a request answered 503 as a whole, then reads its items', async () => {
    const s = await open((ids, call) => (call <= 2 ? { status: 503, body: { error: 'unavailable' } } : { status: 200, body: items(ids.map(() => 201)) }));
    expect(kinds(await s.write(docs(3)))).toEqual(['indexed', 'indexed', 'indexed']);
    expect(server!.bulks).toHaveLength(3);
  });

  it('returns retryable, not rejections, when items stay 429 after the retries', async () => {
    const s = await open((ids) => ({ status: 200, body: items(ids.map((id) => (id === 'd0' ? 201 : 429))) }));
    const result = await s.write(docs(3));
    expect(result.kind).toBe('retryable');
    expect(server!.bulks.map((b) => b.ids.length)).toEqual([3, 2, 2, 2]); // FAST.maxAttempts
    // The forwarder then sends all of it again: the one that got in comes back as a duplicate.
  });

  it('treats 401/403 as the cluster state, retryable: nothing is dead-lettered for credentials', async () => {
    const s = await open(() => ({ status: 403, body: { error: { type: 'security_exception', reason: 'no permissions' } } }));
    const result = await s.write(docs(2));
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' && result.error.message).toMatch(/security_exception|403/);
  });

  it('passes on a Retry-After of a whole-request 429', async () => {
    const s = await open(() => ({ status: 429, body: { error: 'too many' }, headers: { 'retry-after': '2' } }), { retryPolicy: { ...FAST, maxAttempts: 1 } });
    const result = await s.write(docs(1));
    expect(result).toMatchObject({ kind: 'retryable', retryAfterMs: 2000 });
  });

  it('splits a body the cluster answers 413 and rejects a document too large alone', async () => {
    const limit = 2_000;
    const s = await open((ids, _call, bytes) => (bytes > limit ? { status: 413, body: { error: 'too large' } } : { status: 200, body: items(ids.map(() => 201)) }));
    const batch = docs(8, 'y'.repeat(300));
    batch.splice(4, 0, { ...docs(1, 'z'.repeat(5_000))[0]!, id: 'big' });
    const result = await s.write(batch);
    expect(kinds(result)).toEqual(['indexed', 'indexed', 'indexed', 'indexed', 'rejected', 'indexed', 'indexed', 'indexed', 'indexed']);
    const rejection = result.kind === 'ok' ? result.outcomes[4] : undefined;
    expect(rejection?.kind === 'rejected' && rejection.reason).toMatch(/^request_entity_too_large/);
    const accepted = server!.bulks.filter((b) => b.bytes <= limit);
    expect(accepted.flatMap((b) => b.ids).sort()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7']);
  });

  it('answers retryable when the endpoint is down (connection refused)', async () => {
    const s = await open(() => ({ status: 200, body: items([]) }));
    await server!.close();
    server = undefined;
    const result = await s.write(docs(2));
    expect(result.kind).toBe('retryable');
  });

  it('installs the template before the first write, and again on the next write when that failed', async () => {
    const s = await open((ids) => ({ status: 200, body: items(ids.map(() => 201)) }), { template: (call) => (call === 1 ? { status: 503, body: { error: 'not yet' } } : { status: 200, body: { acknowledged: true } }) });
    const first = await s.write(docs(1));
    expect(first.kind).toBe('retryable');
    expect(server!.bulks).toHaveLength(0); // never written without the template
    expect(kinds(await s.write(docs(1)))).toEqual(['indexed']);
    expect(kinds(await s.write(docs(1)))).toEqual(['indexed']);
    expect(server!.templatePuts).toBe(2);
  });

  it('throws on a template the cluster refuses as invalid (400): a bug, not an outage', async () => {
    const s = await open(() => ({ status: 200, body: items([]) }), { template: () => ({ status: 400, body: { error: { type: 'illegal_argument_exception', reason: 'bad' } } }) });
    await expect(s.write(docs(1))).rejects.toMatchObject({ code: 'template_refused' });
  });
});

describe('OpenSearchSink bodies in flight', () => {
  it('sends the bodies of one write two at a time by default, and one at a time when asked', async () => {
    let inFlight = 0;
    let most = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!req.url?.startsWith('/_bulk')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url?.startsWith('/_cluster/health') ? { number_of_data_nodes: 1 } : { acknowledged: true }));
          return;
        }
        inFlight++;
        most = Math.max(most, inFlight);
        const n = Buffer.concat(chunks).toString('utf8').trim().split('\n').length / 2;
        // Slow enough that a second body, if it is sent at once, arrives before this one is answered.
        setTimeout(() => {
          inFlight--;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(items(Array.from({ length: n }, () => 201))));
        }, 100);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      for (const [bulkConcurrency, expected] of [[undefined, 2], [1, 1]] as const) {
        most = 0;
        const sink = await OpenSearchSink.open({ url, maxBulkBytes: 2_000, retryPolicy: FAST, ...(bulkConcurrency ? { bulkConcurrency } : {}) });
        expect(kinds(await sink.write(docs(40, 'y'.repeat(200)))).every((k) => k === 'indexed')).toBe(true);
        await sink.close();
        expect(most).toBe(expected);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
