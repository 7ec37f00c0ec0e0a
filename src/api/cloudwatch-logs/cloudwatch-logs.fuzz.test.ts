/**
 * Whatever arrives — random bytes, malformed or mistyped JSON, wrong targets, broken gzip, huge
 * payloads, odd methods — the answer is CloudWatch-shaped (a known `__type` in the body and the
 * `x-amzn-ErrorType` header, a 4xx status), never a 500 or an exception, and the server keeps
 * serving: first against the handler itself, then over HTTP against the server `hidsmon server`
 * runs (startServer: the production app, its body limits and header handling).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../apps/server/server.js';
import { DEFAULTS } from '../../config/server-config.js';
import { LogStore } from '../../ingest/log-store.js';
import { oneKey } from '../../testing/access-grants.js';
import { signWithSmithy } from '../../testing/sigv4-signers.js';
import type { CloudWatchLogsErrorCode } from './errors.js';
import { handleCloudWatchLogs, type CloudWatchLogsContext, type CloudWatchLogsRequest, type CloudWatchLogsResponse } from './handle-cloudwatch-logs.js';
import { MAX_BODY_BYTES } from './limits.js';
import { OPERATIONS } from './operations.js';

const KEY = { accessKeyId: 'AKIDFUZZ', secretAccessKey: 'fuzz-secret-Vb3nX8qLr5Tw2Kp9' };
const REGION = 'us-west-2';
const CLIENT_ERRORS: ReadonlySet<CloudWatchLogsErrorCode> = new Set<CloudWatchLogsErrorCode>([
  'ResourceNotFoundException',
  'ResourceAlreadyExistsException',
  'InvalidParameterException',
  'LimitExceededException',
  'ValidationException',
  'SerializationException',
  'UnknownOperationException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);

let store: LogStore;
let context: CloudWatchLogsContext;
const internalErrors: unknown[] = [];

beforeAll(async () => {
  store = await LogStore.open({ path: ':memory:' });
  context = {
    store,
    credentials: oneKey(KEY.accessKeyId, KEY.secretAccessKey, { owner: '123456789012', region: REGION }),
    owner: '123456789012',
    region: REGION,
    nowMs: Date.now,
    onInternalError: (e) => internalErrors.push(e),
  };
  await store.createLogGroup('g');
  await store.createLogStream('g', 's');
});
afterAll(async () => store.close());

/** A success, or an error CloudWatch clients understand; never a 5xx. */
function expectCloudWatchShaped(response: CloudWatchLogsResponse): void {
  expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
  if (response.status === 200) {
    if (response.body !== '') expect(typeof JSON.parse(response.body)).toBe('object');
    return;
  }
  expect([400, 413]).toContain(response.status);
  const body = JSON.parse(response.body) as { __type: CloudWatchLogsErrorCode; message: string };
  expect(CLIENT_ERRORS.has(body.__type)).toBe(true);
  expect(response.headers['x-amzn-errortype']).toBe(body.__type);
  expect(typeof body.message).toBe('string');
}

const operationNames = [...OPERATIONS.keys()];
const target = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...operationNames).map((op) => `Logs_20140328.${op}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Logs_20140328.', 'logs_20140328.PutLogEvents', 'Logs_20140328.StartLiveTail', 'DynamoDB_20120810.Scan', 'Logs_20140328.__proto__', 'Logs_20140328.constructor') },
);

const MEMBERS = [
  'logGroupName', 'logStreamName', 'logEvents', 'timestamp', 'message', 'limit', 'nextToken', 'filterPattern', 'retentionInDays', 'destinationArn', 'filterName', 'distribution',
  'logGroupIdentifier', 'logGroupIdentifiers', 'orderBy', 'descending', 'startFromHead', 'startTime', 'endTime', 'logStreamNames', 'logStreamNamePrefix', 'logGroupNamePrefix',
  'logGroupNamePattern', 'tags', 'kmsKeyId', 'logGroupClass', 'roleArn', 'deletionProtectionEnabled', 'sequenceToken', 'entity', '__proto__', 'constructor',
];
const plausible = fc.oneof(
  fc.constantFrom('g', 's', 'missing', 'arn:hidsmon:sink:embedded', '{ $.a = 1 }', '', 'f/0', `arn:aws:logs:${REGION}:123456789012:log-group:g`, 'LastEventTime', 'Random', 'STANDARD'),
  fc.integer({ min: -5, max: 20_000 }),
  fc.constantFrom(Date.now(), Date.now() - 20 * 86_400_000, Date.now() + 86_400_000, 7, 2, Number.MAX_SAFE_INTEGER, -1, 1.5, 1e300),
  fc.array(fc.record({ timestamp: fc.oneof(fc.constant(Date.now()), fc.integer(), fc.string()), message: fc.oneof(fc.string(), fc.constant(''), fc.integer()) }, { requiredKeys: [] }), { maxLength: 5 }),
);
const memberValue = fc.oneof(plausible, fc.jsonValue({ maxDepth: 3 }));
const jsonBody = fc.dictionary(fc.constantFrom(...MEMBERS), memberValue, { maxKeys: 6 }).map((o) => Buffer.from(JSON.stringify(o)));
/** Members with the right JSON types and values near the limits, to reach validation and the store. */
const now = Date.now();
const name = fc.oneof(fc.constantFrom('g', 's', 'missing', 'bad name', '', 'x'.repeat(600), 'aws/x', 'a:b'), fc.stringMatching(/^[a-z0-9._\-/#]{1,12}$/));
const typed = fc.record(
  {
    logGroupName: name,
    logStreamName: name,
    filterName: name,
    logGroupIdentifier: fc.constantFrom('g', `arn:aws:logs:${REGION}:123456789012:log-group:g`, 'arn:aws:logs:x:1:log-group:g', 'arn:bad', ''),
    logStreamNamePrefix: name,
    logGroupNamePrefix: name,
    logStreamNames: fc.array(name, { maxLength: 3 }),
    limit: fc.oneof(fc.integer({ min: -2, max: 60 }), fc.constantFrom(9_999, 10_000, 10_001)),
    startTime: fc.integer({ min: now - 30 * 86_400_000, max: now + 86_400_000 }),
    endTime: fc.integer({ min: now - 30 * 86_400_000, max: now + 86_400_000 }),
    logEvents: fc.array(fc.record({ timestamp: fc.oneof(fc.constant(now), fc.integer({ min: now - 20 * 86_400_000, max: now + 5 * 3_600_000 }), fc.constant(-1)), message: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('')) }), { maxLength: 6 }),
    filterPattern: fc.constantFrom('', 'ERROR', '?a ?b -c', '{ $.a = 1 }', '{ $.a = ', '[a, b]', '"x'),
    nextToken: fc.constantFrom('', 'f/0', 'b/00000000000000000000000000000000000000000000000000000001', 'eyJrIjoiRGVzY3JpYmVMb2dHcm91cHMiLCJuIjoiZyJ9', '%%%'),
    startFromHead: fc.boolean(),
    descending: fc.boolean(),
    orderBy: fc.constantFrom('LogStreamName', 'LastEventTime', 'Size'),
    retentionInDays: fc.constantFrom(1, 2, 7, 3653, 0),
    destinationArn: fc.constantFrom('arn:hidsmon:sink:embedded', 'arn:hidsmon:sink:opensearch', 'arn:aws:lambda:us-east-1:1:function:f', ''),
    distribution: fc.constantFrom('ByLogStream', 'Random', 'Other'),
    logGroupClass: fc.constantFrom('STANDARD', 'INFREQUENT_ACCESS', 'GOLD'),
    deletionProtectionEnabled: fc.boolean(),
    tags: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  },
  { requiredKeys: [] },
).map((o) => Buffer.from(JSON.stringify(o)));
/** Every member valid at once: each operation reads only its own, so these mostly succeed or hit the store's answers. */
const valid = fc
  .record({
    logGroupName: fc.constantFrom('g', 'missing', 'new-group'),
    logStreamName: fc.constantFrom('s', 'missing', 'new-stream'),
    logEvents: fc.array(fc.record({ timestamp: fc.integer({ min: now - 3_600_000, max: now }), message: fc.string({ minLength: 1, maxLength: 30 }) }), { minLength: 1, maxLength: 4 }).map((events) => events.sort((a, b) => a.timestamp - b.timestamp)),
    filterName: fc.constantFrom('f1', 'f2', 'f3'),
    filterPattern: fc.constantFrom('', 'ERROR', '{ $.a = 1 }'),
    destinationArn: fc.constant('arn:hidsmon:sink:embedded'),
    retentionInDays: fc.constant(7),
    deletionProtectionEnabled: fc.constant(false),
    logGroupIdentifier: fc.constant('g'),
  })
  .map(({ logGroupIdentifier, ...rest }) => Buffer.from(JSON.stringify(rest.logGroupName === 'g' ? rest : { ...rest, logGroupIdentifier })));
const body = fc.oneof(
  { weight: 4, arbitrary: valid },
  { weight: 4, arbitrary: typed },
  { weight: 3, arbitrary: jsonBody },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: jsonBody.map((b) => b.subarray(0, Math.max(0, b.length - 3))) },
);
const encoding = fc.constantFrom<'none' | 'gzip' | 'gzip-header-only' | 'deflate'>('none', 'none', 'none', 'none', 'none', 'gzip', 'gzip', 'gzip-header-only', 'deflate');
const auth = fc.constantFrom<'signed' | 'unsigned' | 'wrong-secret' | 'unknown-key' | 'garbled'>(...Array.from({ length: 8 }, () => 'signed' as const), 'unsigned', 'wrong-secret', 'unknown-key', 'garbled');

async function build(t: string, raw: Buffer, enc: string, how: string, method = 'POST'): Promise<CloudWatchLogsRequest> {
  const bytes = enc === 'gzip' ? gzipSync(raw) : raw;
  const headers: Record<string, string> = { host: 'h', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': t };
  if (enc === 'gzip' || enc === 'gzip-header-only') headers['content-encoding'] = 'gzip';
  if (enc === 'deflate') headers['content-encoding'] = 'deflate';
  if (how === 'unsigned') return { method, path: '/', query: '', headers, body: bytes };
  const signed = await signWithSmithy({
    method,
    headers,
    body: bytes,
    accessKeyId: how === 'unknown-key' ? 'AKIDWHO' : KEY.accessKeyId,
    secretAccessKey: how === 'wrong-secret' ? 'nope' : KEY.secretAccessKey,
    region: REGION,
  });
  if (how === 'garbled') signed['authorization'] = (signed['authorization'] as string).slice(0, 40);
  return { method, path: '/', query: '', headers: signed, body: bytes };
}

describe('CloudWatch Logs endpoint fuzzing', () => {
  it('answers any request CloudWatch-shaped, never with a 500', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(target, body, encoding, auth, async (t, raw, enc, how) => {
        const response = await handleCloudWatchLogs(await build(t, raw, enc, how), context);
        expectCloudWatchShaped(response);
        const outcome = response.status === 200 ? 'ok' : (JSON.parse(response.body) as { __type: string }).__type;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: 1500 },
    );
    expect(internalErrors).toEqual([]);
    // The inputs reach every layer, not only the signature check.
    for (const outcome of ['ok', 'InvalidParameterException', 'SerializationException', 'ResourceNotFoundException', 'UnknownOperationException', 'InvalidSignatureException', 'MissingAuthenticationTokenException']) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(5);
    }
  }, 120_000);

  it('answers huge and pathological payloads CloudWatch-shaped', async () => {
    const cases: CloudWatchLogsRequest[] = await Promise.all([
      build('Logs_20140328.PutLogEvents', Buffer.from(`{"logEvents":${'['.repeat(200_000)}`), 'none', 'signed'),
      build('Logs_20140328.PutLogEvents', Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 'none', 'signed'),
      build('Logs_20140328.PutLogEvents', Buffer.from(JSON.stringify({ logGroupName: 'g', logStreamName: 's', logEvents: Array.from({ length: 20_000 }, () => ({ timestamp: Date.now(), message: 'x' })) })), 'none', 'signed'),
      build('Logs_20140328.PutLogEvents', Buffer.from(JSON.stringify({ logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'x'.repeat(5_000_000) }] })), 'none', 'signed'),
      build('Logs_20140328.PutLogEvents', Buffer.from(JSON.stringify({ logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: '\u0000'.repeat(1_500_000) }] })), 'gzip', 'signed'),
      build('Logs_20140328.PutLogEvents', Buffer.alloc(12_000_000, 0x7b), 'gzip', 'signed'),
      build('Logs_20140328.CreateLogGroup', Buffer.from(JSON.stringify({ logGroupName: 'n'.repeat(100_000) })), 'none', 'signed'),
      build('Logs_20140328.FilterLogEvents', Buffer.from(JSON.stringify({ logGroupName: 'g', filterPattern: `{ ${'('.repeat(5000)}$.a = 1${')'.repeat(5000)} }` })), 'none', 'signed'),
      build('Logs_20140328.DescribeLogGroups', Buffer.from('{}'), 'none', 'signed', 'DELETE'),
      { method: 'POST', path: '/', query: '', headers: { 'content-length': '99999999999' }, body: Buffer.alloc(0) },
      { method: 'POST', path: '/', query: '', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=zz', 'x-amz-date': 'nope' }, body: Buffer.alloc(0) },
    ]);
    for (const request of cases) expectCloudWatchShaped(await handleCloudWatchLogs(request, context));
    expect(internalErrors).toEqual([]);
  }, 60_000);

  it('keeps serving over HTTP after random requests and connections that break', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hidsmon-cwl-fuzz-'));
    // Every error the server logs (a 500 on a bug, a crashed request) is a failure here.
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (logged.push(chunk.toString('utf8')), done()) }));
    const server = await startServer({ ...DEFAULTS, port: 0, dataDir, region: REGION, accessKeys: [{ id: KEY.accessKeyId, secret: KEY.secretAccessKey, profile: 'admin' }], apiTokens: ['fuzz-api-token-0123456789abcdef'], autoSubscribe: false }, { logger });
    await server.log.createLogGroup('g');
    await server.log.createLogStream('g', 's');
    const { port } = server;
    const failures: unknown[] = [];
    const send = (request: CloudWatchLogsRequest, abort: boolean, chunked: boolean): Promise<void> =>
      new Promise((resolve) => {
        // An explicit length unless chunked: Node sends a GET body without one, which is then a second, malformed request.
        const headers = chunked ? { ...request.headers, 'transfer-encoding': 'chunked' } : { ...request.headers, 'content-length': String(request.body.length) };
        const req = httpRequest({ host: '127.0.0.1', port, method: request.method, path: '/', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
            const response = { status: res.statusCode as number, headers, body: Buffer.concat(chunks).toString('utf8') };
            try {
              // The app serves only POST / as CloudWatch; other methods get the UI or a 404, never a 5xx.
              if (request.method === 'POST') expectCloudWatchShaped(response);
              else expect(response.status).toBeLessThan(500);
            } catch (e) {
              failures.push({ request: { ...request, body: request.body.subarray(0, 200).toString('latin1') }, response, error: String(e) });
            }
            resolve();
          });
        });
        req.on('error', () => resolve());
        if (abort) {
          req.write(request.body.subarray(0, Math.floor(request.body.length / 2)));
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 5);
        } else if (chunked) {
          req.write(request.body.subarray(0, Math.floor(request.body.length / 2)));
          req.end(request.body.subarray(Math.floor(request.body.length / 2)));
        } else req.end(request.body);
      });
    try {
      await fc.assert(
        fc.asyncProperty(target, body, encoding, auth, fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT'), fc.boolean(), fc.boolean(), async (t, raw, enc, how, method, abort, chunked) => {
          await send(await build(t, raw, enc, how, method), abort && raw.length > 2, chunked && method === 'POST');
        }),
        { numRuns: 150 },
      );
      // Past the raw ceiling, declared or streamed: a 413 in CloudWatch's shape (or a closed upload).
      for (const chunked of [false, true]) await send(await build('Logs_20140328.PutLogEvents', Buffer.alloc(MAX_BODY_BYTES + 1, 0x20), 'none', 'signed'), false, chunked);
      expect(failures).toEqual([]);
      const client = new CloudWatchLogsClient({ endpoint: server.url, region: REGION, credentials: KEY, maxAttempts: 1 });
      await client.send(new PutLogEventsCommand({ logGroupName: 'after-fuzz', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'x' }] })).catch((e: Error) => expect(e.name).toBe('ResourceNotFoundException'));
      expect((await client.send(new DescribeLogGroupsCommand({}))).logGroups).toBeInstanceOf(Array);
      client.destroy();
      expect(logged).toEqual([]);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
