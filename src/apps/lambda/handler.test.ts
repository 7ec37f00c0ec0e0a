/**
 * The Lambda forwarder's invocation on the real OpenSearch node (each test under its own index
 * prefix) with real gzip+base64 subscription payloads, dead letters in moto's SQS and S3 (the AWS
 * SDK v3 at that boundary), and an outage made by cutting a loopback TCP proxy.
 */
import { readFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sharedOpenSearch, testIndexPrefix } from '../../../test/support/opensearch.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { openSearchClient } from '../../sinks/opensearch/connection.js';
import { indexTemplateName } from '../../sinks/opensearch/index-template.js';
import { OpenSearchSink } from '../../sinks/opensearch/sink.js';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../../testing/moto.js';
import { encodePayload, simulatedLogEvents, subscriptionEvent, type SubscriptionLogEvent } from '../../testing/subscription-events.js';
import { s3DeadLetters, sqsDeadLetters, type DeadLetterDestination, type DeadLetterRecord } from './dead-letters.js';
import { createSubscriptionHandler, ForwarderInvocationError, type InvocationSummary, type LambdaContext } from './handler.js';

const FAST = { initialDelayMs: 20, maxDelayMs: 200, multiplier: 2, maxAttempts: 3 };

let url: string;
let admin: Client;
let moto: MotoServer;
let sqs: SQSClient;
let s3: S3Client;
const prefixes: string[] = [];
const sinks: OpenSearchSink[] = [];
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  [url, moto] = await Promise.all([sharedOpenSearch(), startMotoServer()]);
  admin = openSearchClient({ url });
  const aws = { endpoint: moto.url, region: 'us-east-1', credentials: MOTO_CREDENTIALS };
  sqs = new SQSClient(aws);
  s3 = new S3Client({ ...aws, forcePathStyle: true });
}, 60_000);
afterAll(async () => {
  for (const prefix of prefixes) {
    await admin.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await admin.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
  }
  await admin?.close();
  sqs?.destroy();
  s3?.destroy();
  await moto?.stop();
});
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close();
  await proxy?.close();
  proxy = undefined;
});

function context(remainingMs = 60_000): LambdaContext {
  const end = Date.now() + remainingMs;
  return { awsRequestId: `req-${Math.random().toString(36).slice(2)}`, getRemainingTimeInMillis: () => end - Date.now() };
}

interface Harness {
  prefix: string;
  invoke: (event: unknown, ctx?: LambdaContext) => Promise<InvocationSummary>;
  lines: Array<{ level: string; fields: Record<string, unknown>; message: string }>;
}

async function harness(deadLetters: DeadLetterDestination, options: { endpoint?: string; maxBulkBytes?: number; marginMs?: number; sliceBytes?: number } = {}): Promise<Harness> {
  const prefix = testIndexPrefix();
  prefixes.push(prefix);
  const sink = await OpenSearchSink.open({ url: options.endpoint ?? url, indexPrefix: prefix, requestTimeoutMs: 5_000, ...(options.maxBulkBytes ? { maxBulkBytes: options.maxBulkBytes } : {}) });
  sinks.push(sink);
  const lines: Harness['lines'] = [];
  const record = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  const invoke = createSubscriptionHandler({
    sink,
    deadLetters,
    log: { info: record('info'), warn: record('warn'), error: record('error') },
    marginMs: options.marginMs ?? 1_000,
    writeRetryPolicy: { initialDelayMs: 50, maxDelayMs: 300 },
    sinkRetryPolicy: FAST,
    ...(options.sliceBytes ? { sliceBytes: options.sliceBytes } : {}),
    ...(options.maxBulkBytes ? { maxBulkBytes: options.maxBulkBytes } : {}),
  });
  return { prefix, invoke: (event, ctx = context()) => invoke(event, ctx), lines };
}

async function newQueue(): Promise<{ url: string; destination: DeadLetterDestination; receive: () => Promise<DeadLetterRecord[]> }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${Math.random().toString(36).slice(2)}` }));
  const queueUrl = QueueUrl as string;
  return {
    url: queueUrl,
    destination: sqsDeadLetters(sqs, queueUrl),
    async receive() {
      const got: DeadLetterRecord[] = [];
      for (let round = 0; round < 20; round++) {
        const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        const messages = answer.Messages ?? [];
        if (messages.length === 0) break;
        got.push(...messages.map((m) => JSON.parse(m.Body as string) as DeadLetterRecord));
      }
      return got;
    },
  };
}

async function count(prefix: string): Promise<number> {
  await admin.indices.refresh({ index: `${prefix}*`, allow_no_indices: true });
  return (await admin.count({ index: `${prefix}*`, body: { query: { match_all: {} } } })).body.count;
}

async function distinctIds(prefix: string): Promise<number> {
  await admin.indices.refresh({ index: `${prefix}*`, allow_no_indices: true });
  const answer = await admin.search({ index: `${prefix}*`, body: { size: 0, aggs: { ids: { cardinality: { field: '@id', precision_threshold: 40000 } } } } } as never);
  return (answer.body.aggregations as { ids: { value: number } }).ids.value;
}

function alertMessage(n: number, extra: Record<string, unknown> = {}): SubscriptionLogEvent {
  const timestamp = Date.UTC(2024, 2, 2, 12) + n;
  return {
    id: `${timestamp}${String(n).padStart(6, '0')}`,
    timestamp,
    message: JSON.stringify({ rule: { level: 5, sidid: 5715, comment: 'sshd: authentication success.' }, id: `1709380800.${1000 + n}`, TimeStamp: timestamp, full_log: `Accepted password for user${n} from 10.0.0.${n % 250} port 22 ssh2`, hostname: 'web-1', ...extra }),
  };
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../test/fixtures/subscription/${name}`, import.meta.url), 'utf8'));

describe('the Lambda forwarder on a real OpenSearch node', () => {
  it('indexes every simulated alert once; a second delivery of the same payload indexes nothing new; one log line with the counts', async () => {
    const queue = await newQueue();
    const h = await harness(queue.destination);
    const event = subscriptionEvent(simulatedLogEvents(500));
    const first = await h.invoke(event);
    expect(first).toMatchObject({ outcome: 'indexed', messageType: 'DATA_MESSAGE', events: 500, indexed: 500, duplicates: 0, rejected: 0, dead_lettered: 0, retries: 0 });
    expect(await count(h.prefix)).toBe(500);
    expect(await distinctIds(h.prefix)).toBe(500);
    const again = await h.invoke(event);
    expect(again).toMatchObject({ outcome: 'indexed', events: 500, indexed: 0, duplicates: 500, rejected: 0 });
    expect(await count(h.prefix)).toBe(500);
    expect(h.lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'Invocation done.'],
      ['info', 'Invocation done.'],
    ]);
    expect(h.lines[0]?.fields).toMatchObject({ requestId: expect.stringMatching(/^req-/), events: 500, indexed: 500, duplicates: 0, rejected: 0, dead_lettered: 0, retries: 0, took_ms: expect.any(Number) });
    expect(JSON.parse(JSON.stringify(h.lines[0]?.fields))).toEqual(h.lines[0]?.fields);
    expect(await queue.receive()).toEqual([]);
    // The template was installed on first use: the alert fields have their types.
    const mapping = await admin.indices.getMapping({ index: `${h.prefix}*` });
    const properties = (Object.values(mapping.body)[0] as { mappings: { properties: Record<string, { type?: string }> } }).mappings.properties;
    expect(properties['srcip']?.type).toBe('ip');
  });

  it('succeeds on a CONTROL_MESSAGE with nothing sent and nothing dead-lettered', async () => {
    const queue = await newQueue();
    const h = await harness(queue.destination);
    const summary = await h.invoke(fixture('control-message.event.json'));
    expect(summary).toMatchObject({ outcome: 'control_message', messageType: 'CONTROL_MESSAGE', events: 0, indexed: 0, dead_lettered: 0 });
    const indices = await admin.cat.indices({ index: `${h.prefix}*`, format: 'json' });
    expect(indices.body).toEqual([]);
    expect(await queue.receive()).toEqual([]);
  });

  it('dead-letters a corrupt payload whole, with the reason, and succeeds (bad base64, bad gzip, not JSON, not a payload)', async () => {
    const queue = await newQueue();
    const h = await harness(queue.destination);
    const corrupt = [
      { awslogs: { data: 'not base64 at all!' } },
      { awslogs: { data: Buffer.from('plain text, not gzip').toString('base64') } },
      { awslogs: { data: (await import('node:zlib')).gzipSync('{"messageType": "DATA_MESSAGE", ').toString('base64') } },
      encodePayload({ messageType: 'DATA_MESSAGE', owner: 1 }),
    ];
    const summaries = [];
    for (const event of corrupt) summaries.push(await h.invoke(event));
    expect(summaries.map((s) => [s.outcome, s.dead_lettered])).toEqual(Array(4).fill(['corrupt_payload', 1]));
    const letters = await queue.receive();
    expect(letters.map((l) => l.kind)).toEqual(Array(4).fill('corrupt_payload'));
    expect(letters.map((l) => l.reason.split(':')[0]).sort()).toEqual(['invalid_base64', 'invalid_gzip', 'invalid_json', 'invalid_payload']);
    expect(letters.map((l) => l.event)).toEqual(expect.arrayContaining(corrupt));
    expect(await count(h.prefix)).toBe(0);
    // One line per invocation, with the reason.
    expect(h.lines.map((l) => [l.level, l.fields['outcome'], l.fields['error_code']])).toEqual([
      ['info', 'corrupt_payload', 'invalid_base64'],
      ['info', 'corrupt_payload', 'invalid_gzip'],
      ['info', 'corrupt_payload', 'invalid_json'],
      ['info', 'corrupt_payload', 'invalid_payload'],
    ]);
  });

  it('splits a delivery larger than MAX_BULK_BYTES into several _bulk requests under it, all indexed', async () => {
    const queue = await newQueue();
    proxy = await TcpProxy.start(url);
    const maxBulkBytes = 64 * 1024;
    const h = await harness(queue.destination, { endpoint: proxy.url, maxBulkBytes, sliceBytes: 10 * 1024 });
    const events = simulatedLogEvents(400, { seed: 7 });
    const summary = await h.invoke(subscriptionEvent(events));
    expect(summary).toMatchObject({ outcome: 'indexed', events: 400, indexed: 400, rejected: 0 });
    const bulks = proxy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/_bulk'));
    expect(bulks.length).toBeGreaterThanOrEqual(5);
    for (const request of bulks) {
      expect(request.chunked).toBe(false);
      expect(request.contentLength).toBeLessThanOrEqual(maxBulkBytes);
    }
    expect(await count(h.prefix)).toBe(400);
  });

  it('dead-letters the documents the mapping rejects in SQS with their reasons, a malformed log event too, and indexes the rest (one slice per event)', async () => {
    const queue = await newQueue();
    // Slices of one event: outcomes and event positions are still the delivery's.
    const h = await harness(queue.destination, { sliceBytes: 1 });
    // Deeper than index.mapping.depth.limit (20): OpenSearch refuses it whatever the template says.
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 25; i++) deep = { [`d${i}`]: deep };
    const events: unknown[] = [alertMessage(1), alertMessage(2, { '': 'a field without a name' }), alertMessage(3), alertMessage(4, { data: deep }), alertMessage(5), { id: 'x', timestamp: 'yesterday', message: 'no time' }];
    const summary = await h.invoke(subscriptionEvent(events));
    expect(summary).toMatchObject({ outcome: 'indexed', events: 6, indexed: 3, rejected: 3, dead_lettered: 3 });
    expect(await count(h.prefix)).toBe(3);
    const letters = await queue.receive();
    const byKind = (kind: string) => letters.filter((l) => l.kind === kind);
    expect(byKind('rejected_document').map((l) => l.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/^mapper_parsing_exception: .*empty/i), expect.stringMatching(/depth/i)]));
    const rejectedDocs = byKind('rejected_document');
    expect(rejectedDocs).toHaveLength(2);
    for (const letter of rejectedDocs) {
      expect(letter).toMatchObject({ logGroup: 'hids-alerts', logStream: 'i-0e427a8594852eca2', owner: '123456789012', index: `${h.prefix}2024.03.02`, id: expect.any(String) });
      // Where it was going, and the raw event in the document, so that nothing of the alert is lost.
      expect([(events[1] as SubscriptionLogEvent).message, (events[3] as SubscriptionLogEvent).message]).toContain((letter.document as Record<string, unknown>)['@message']);
    }
    expect(byKind('rejected_event')).toEqual([expect.objectContaining({ reason: 'logEvents[5]: timestamp must be integer epoch milliseconds', event: events[5] })]);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
  });

  it('writes the rejected documents to S3 as one NDJSON object under the prefix', async () => {
    const bucket = `dlq-${Math.random().toString(36).slice(2)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const h = await harness(s3DeadLetters(s3, bucket, 'hidsmon/dead-letters/'));
    const summary = await h.invoke(subscriptionEvent([alertMessage(1), alertMessage(2, { '': 'no name' }), alertMessage(3)]));
    expect(summary).toMatchObject({ indexed: 2, rejected: 1, dead_lettered: 1 });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'hidsmon/dead-letters/' }));
    expect(listed.Contents).toHaveLength(1);
    const key = listed.Contents?.[0]?.Key as string;
    expect(key).toMatch(/^hidsmon\/dead-letters\/\d{4}\/\d{2}\/\d{2}\/req-[a-z0-9]+-\d+-0\.ndjson$/);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const lines = (await object.Body!.transformToString()).trimEnd().split('\n').map((l) => JSON.parse(l) as DeadLetterRecord);
    expect(lines).toEqual([expect.objectContaining({ kind: 'rejected_document', reason: expect.stringMatching(/^mapper_parsing_exception/) })]);
  });

  it('throws after retrying within the remaining time when OpenSearch is unreachable; the next delivery indexes everything once', async () => {
    const queue = await newQueue();
    proxy = await TcpProxy.start(url);
    const h = await harness(queue.destination, { endpoint: proxy.url, marginMs: 500 });
    const event = subscriptionEvent(simulatedLogEvents(200, { seed: 9 }));
    // A first write installs the template and indexes, so that the outage hits _bulk itself next.
    await h.invoke(subscriptionEvent(simulatedLogEvents(10, { seed: 10, startMs: Date.UTC(2024, 4, 5) })));
    await proxy.cut();
    const started = Date.now();
    const failure = await h.invoke(event, context(3_000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    const tookMs = Date.now() - started;
    expect(failure).toBeInstanceOf(ForwarderInvocationError);
    expect((failure as ForwarderInvocationError).code).toBe('opensearch_unavailable');
    // Retried with backoff, and stopped before the margin: the invocation reports instead of timing out.
    expect(tookMs).toBeLessThan(3_000);
    const failed = h.lines.find((l) => l.level === 'error');
    expect(failed?.fields).toMatchObject({ error_code: 'opensearch_unavailable', indexed: 0 });
    expect(failed?.fields['retries']).toBeGreaterThan(1);
    await proxy.restore();
    // Lambda's retry of the same event.
    const retried = await h.invoke(event);
    expect(retried).toMatchObject({ outcome: 'indexed', indexed: 200, rejected: 0 });
    expect(await count(h.prefix)).toBe(210);
    expect(await queue.receive()).toEqual([]);
  });

  it('fails the invocation when the dead letters cannot be stored, so that Lambda delivers it again', async () => {
    const h = await harness(sqsDeadLetters(sqs, `${moto.url}/123456789012/no-such-queue`));
    await expect(h.invoke(subscriptionEvent([alertMessage(1), alertMessage(2, { '': 'no name' })]))).rejects.toMatchObject({ code: 'dead_letter_failed' });
    expect(await count(h.prefix)).toBe(1);
  });
});
