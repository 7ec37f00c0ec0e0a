/**
 * Every operation driven by the real AWS SDK v3 client against the server `hidsmon server` runs
 * (startServer: the production HTTP app on @hono/node-server, its body limits and header
 * handling, over a durable log in a temporary data directory), with SigV4 checked: results and
 * each error path as the SDK surfaces it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DeleteSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  paginateDescribeLogGroups,
  paginateFilterLogEvents,
  paginateGetLogEvents,
  PutLogEventsCommand,
  PutLogGroupDeletionProtectionCommand,
  PutRetentionPolicyCommand,
  PutSubscriptionFilterCommand,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../apps/server/server.js';
import { DEFAULTS } from '../../config/server-config.js';
import { cloudWatchEventId } from '../../core/ids.js';
import type { LogStore } from '../../ingest/log-store.js';
import { signWithSmithy } from '../../testing/sigv4-signers.js';
import { SUBSCRIPTION_DESTINATIONS } from './destinations.js';
import { MAX_BODY_BYTES } from './limits.js';

const OWNER = '123456789012';
const REGION = 'us-east-1';
const KEY = { accessKeyId: 'AKIDHIDSMON0TEST', secretAccessKey: 'c2VjcmV0/with+symbols' };
const DAY = 86_400_000;
const HOUR = 3_600_000;
const API_TOKEN = 'sdk-suite-token-0123456789abcdef';

let server: RunningServer;
let dataDir: string;
let endpoint: string;
let store: LogStore;
/** Added to the server's clock to test signature time checks (only read-only calls run while it is set). */
let serverSkewMs = 0;
let client: CloudWatchLogsClient;

function newClient(options: { credentials?: typeof KEY; maxAttempts?: number } = {}): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ endpoint, region: REGION, credentials: options.credentials ?? KEY, maxAttempts: options.maxAttempts ?? 1 });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hidsmon-cwl-sdk-'));
  server = await startServer(
    // No auto-subscription: this suite is about the API, not the index behind it.
    { ...DEFAULTS, port: 0, dataDir, owner: OWNER, region: REGION, accessKeys: [{ id: KEY.accessKeyId, secret: KEY.secretAccessKey, profile: 'admin' }], apiTokens: [API_TOKEN], autoSubscribe: false },
    { logger: pino({ level: 'silent' }), now: () => Date.now() + serverSkewMs },
  );
  store = server.log;
  endpoint = server.url;
  client = newClient();
});

afterAll(async () => {
  client.destroy();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface SdkError {
  name: string;
  message: string;
  $fault: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

/** The error the SDK throws for a call that must fail. */
async function failure(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the call to fail');
}

async function expectError(call: Promise<unknown>, name: string, message?: string | RegExp, status = 400): Promise<SdkError> {
  const e = await failure(call);
  expect({ name: e.name, status: e.$metadata.httpStatusCode }).toEqual({ name, status });
  expect(e.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else if (message) expect(e.message).toMatch(message);
  return e;
}

function now(): number {
  return Date.now();
}

async function group(name: string, streams: string[] = []): Promise<void> {
  await client.send(new CreateLogGroupCommand({ logGroupName: name }));
  for (const s of streams) await client.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: s }));
}

describe('log groups and streams', () => {
  it('creates, describes and pages log groups with ARNs in AWS shape', async () => {
    expect((await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'lg-' }))).logGroups).toEqual([]);
    await client.send(new CreateLogGroupCommand({ logGroupName: 'lg-a', tags: { team: 'sec' }, kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k', logGroupClass: 'INFREQUENT_ACCESS' }));
    for (const n of ['lg-c', 'lg-b', 'lg-e', 'lg-d']) await client.send(new CreateLogGroupCommand({ logGroupName: n }));
    const first = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'lg-', limit: 2 }));
    expect(first.logGroups?.map((g) => g.logGroupName)).toEqual(['lg-a', 'lg-b']);
    expect(first.nextToken).toBeTypeOf('string');
    const a = first.logGroups?.[0];
    expect(a).toEqual({
      logGroupName: 'lg-a',
      creationTime: expect.any(Number),
      metricFilterCount: 0,
      arn: `arn:aws:logs:${REGION}:${OWNER}:log-group:lg-a:*`,
      logGroupArn: `arn:aws:logs:${REGION}:${OWNER}:log-group:lg-a`,
      storedBytes: 0,
      kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
      logGroupClass: 'INFREQUENT_ACCESS',
      deletionProtectionEnabled: false,
    });
    expect(Math.abs((a?.creationTime ?? 0) - now())).toBeLessThan(10_000);
    const names: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client, pageSize: 2 }, { logGroupNamePrefix: 'lg-' })) names.push(...(page.logGroups ?? []).map((g) => g.logGroupName as string));
    expect(names).toEqual(['lg-a', 'lg-b', 'lg-c', 'lg-d', 'lg-e']);
    const pattern = await client.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'g-d' }));
    expect(pattern.logGroups).toEqual([{ logGroupName: 'lg-d', creationTime: expect.any(Number), arn: `arn:aws:logs:${REGION}:${OWNER}:log-group:lg-d:*` }]);
    const byClass = await client.send(new DescribeLogGroupsCommand({ logGroupClass: 'ESSENTIALS' }));
    expect(byClass.logGroups?.map((g) => g.logGroupName)).toEqual(['lg-a']);
    const byId = await client.send(new DescribeLogGroupsCommand({ logGroupIdentifiers: ['lg-e', `arn:aws:logs:${REGION}:${OWNER}:log-group:lg-c`, 'arn:aws:logs:us-east-1:999999999999:log-group:lg-b'] }));
    expect(byId.logGroups?.map((g) => g.logGroupName)).toEqual(['lg-c', 'lg-e']);
  });

  it('refuses duplicate, invalid and reserved names', async () => {
    await expectError(client.send(new CreateLogGroupCommand({ logGroupName: 'lg-a' })), 'ResourceAlreadyExistsException', 'The specified log group already exists');
    await expectError(
      client.send(new CreateLogGroupCommand({ logGroupName: 'bad name*' })),
      'InvalidParameterException',
      "1 validation error detected: Value 'bad name*' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
    );
    await expectError(
      client.send(new CreateLogGroupCommand({ logGroupName: 'x'.repeat(513) })),
      'InvalidParameterException',
      `1 validation error detected: Value '${'x'.repeat(513)}' at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512`,
    );
    await expectError(client.send(new CreateLogGroupCommand({ logGroupName: '' })), 'InvalidParameterException', /^2 validation errors detected: Value '' at 'logGroupName' failed to satisfy constraint: Member must have length greater than or equal to 1; /);
    await expectError(client.send(new CreateLogGroupCommand({ logGroupName: 'aws/reserved' })), 'InvalidParameterException', /reserved/);
    await expectError(client.send(new CreateLogGroupCommand({ logGroupName: 'k', kmsKeyId: 'k'.repeat(257) })), 'InvalidParameterException', /at 'kmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 256$/);
    await expectError(client.send(new CreateLogGroupCommand({ logGroupName: 'k', logGroupClass: 'GOLD' as never })), 'InvalidParameterException', /Member must satisfy enum value set: \[STANDARD, INFREQUENT_ACCESS, ESSENTIALS, DELIVERY\]/);
    await expectError(client.send(new CreateLogGroupCommand({ logGroupName: 'k', tags: { 'bad<key>': 'v' } })), 'InvalidParameterException', /at 'tags.key'/);
    await expectError(client.send(new DescribeLogGroupsCommand({ limit: 51 })), 'InvalidParameterException', "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50");
    await expectError(client.send(new DescribeLogGroupsCommand({ nextToken: 'bogus' })), 'InvalidParameterException', 'The specified nextToken is invalid.');
    await expectError(client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'a', logGroupNamePattern: 'b' })), 'InvalidParameterException', /mutually exclusive/);
  });

  it('creates and describes streams by name and by last event time', async () => {
    await group('streams', ['s-b', 's-a', 's-c']);
    await expectError(client.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 's-a' })), 'ResourceAlreadyExistsException', 'The specified log stream already exists');
    await expectError(client.send(new CreateLogStreamCommand({ logGroupName: 'missing', logStreamName: 's' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError(client.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a:b' })), 'InvalidParameterException', "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*");
    const t = now();
    await client.send(new PutLogEventsCommand({ logGroupName: 'streams', logStreamName: 's-a', logEvents: [{ timestamp: t - 30, message: 'x' }, { timestamp: t - 20, message: 'y' }] }));
    await client.send(new PutLogEventsCommand({ logGroupName: 'streams', logStreamName: 's-c', logEvents: [{ timestamp: t - 10, message: 'z' }] }));
    const byName = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams' }));
    expect(byName.logStreams?.map((s) => s.logStreamName)).toEqual(['s-a', 's-b', 's-c']);
    expect(byName.logStreams?.[0]).toEqual({
      logStreamName: 's-a',
      creationTime: expect.any(Number),
      firstEventTimestamp: t - 30,
      lastEventTimestamp: t - 20,
      lastIngestionTime: expect.any(Number),
      uploadSequenceToken: expect.stringMatching(/^\d{56}$/),
      arn: `arn:aws:logs:${REGION}:${OWNER}:log-group:streams:log-stream:s-a`,
      storedBytes: 0,
    });
    expect(byName.logStreams?.[1]).not.toHaveProperty('lastEventTimestamp');
    const byTime = await client.send(new DescribeLogStreamsCommand({ logGroupIdentifier: `arn:aws:logs:${REGION}:${OWNER}:log-group:streams`, orderBy: 'LastEventTime', descending: true }));
    expect(byTime.logStreams?.map((s) => s.logStreamName)).toEqual(['s-c', 's-a', 's-b']);
    const page1 = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', logStreamNamePrefix: 's-', limit: 2, descending: true }));
    expect(page1.logStreams?.map((s) => s.logStreamName)).toEqual(['s-c', 's-b']);
    const page2 = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', logStreamNamePrefix: 's-', limit: 2, descending: true, nextToken: page1.nextToken as string }));
    expect(page2.logStreams?.map((s) => s.logStreamName)).toEqual(['s-a']);
    expect(page2.nextToken).toBeUndefined();
    await group('empty-streams');
    expect((await client.send(new DescribeLogStreamsCommand({ logGroupName: 'empty-streams' }))).logStreams).toEqual([]);
    await expectError(client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', orderBy: 'LastEventTime', logStreamNamePrefix: 's' })), 'InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
    await expectError(client.send(new DescribeLogStreamsCommand({ logGroupName: 'nope' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError(client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', logGroupIdentifier: 'streams' })), 'ValidationException', 'LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    await expectError(client.send(new DescribeLogStreamsCommand({})), 'InvalidParameterException', /Either logGroupName or logGroupIdentifier/);
    await expectError(client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', orderBy: 'Size' as never })), 'InvalidParameterException', /enum value set: \[LogStreamName, LastEventTime\]/);
    await expectError(client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', nextToken: page1.nextToken as string })), 'InvalidParameterException', 'The specified nextToken is invalid.');
  });

  it('deletes streams and groups, and honours deletion protection', async () => {
    await group('doomed', ['s']);
    await client.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: 'doomed', deletionProtectionEnabled: true }));
    await expectError(client.send(new DeleteLogStreamCommand({ logGroupName: 'doomed', logStreamName: 's' })), 'ValidationException', /deletion protection/);
    await expectError(client.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' })), 'ValidationException', /deletion protection/);
    await client.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: `arn:aws:logs:${REGION}:${OWNER}:log-group:doomed`, deletionProtectionEnabled: false }));
    await client.send(new DeleteLogStreamCommand({ logGroupName: 'doomed', logStreamName: 's' }));
    await expectError(client.send(new DeleteLogStreamCommand({ logGroupName: 'doomed', logStreamName: 's' })), 'ResourceNotFoundException', 'The specified log stream does not exist.');
    await client.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' }));
    await expectError(client.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError(client.send(new DeleteLogStreamCommand({ logGroupName: 'doomed', logStreamName: 's' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});

describe('PutLogEvents', () => {
  beforeAll(async () => group('put', ['s']));
  const put = (logEvents: InputLogEvent[], stream = 's', groupName = 'put') => client.send(new PutLogEventsCommand({ logGroupName: groupName, logStreamName: stream, logEvents }));

  it('stores a batch and returns a 56-digit nextSequenceToken, no rejectedLogEventsInfo', async () => {
    const t = now();
    const out = await put([{ timestamp: t - 2, message: 'first' }, { timestamp: t - 2, message: 'same time' }, { timestamp: t, message: 'ünïcode' }]);
    expect(out.nextSequenceToken).toMatch(/^\d{56}$/);
    expect(out.rejectedLogEventsInfo).toBeUndefined();
    const again = await client.send(new PutLogEventsCommand({ logGroupName: 'put', logStreamName: 's', logEvents: [{ timestamp: t, message: 'next' }], sequenceToken: 'whatever' }));
    expect(BigInt(again.nextSequenceToken as string)).toBeGreaterThan(BigInt(out.nextSequenceToken as string));
  });

  it('answers missing groups and streams with ResourceNotFoundException', async () => {
    await expectError(put([{ timestamp: now(), message: 'x' }], 's', 'nope'), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError(put([{ timestamp: now(), message: 'x' }], 'nope'), 'ResourceNotFoundException', 'The specified log stream does not exist.');
  });

  it('refuses invalid batches with AWS messages', async () => {
    const t = now();
    await expectError(
      put([{ timestamp: t, message: 'ok' }, { timestamp: t, message: '' }]),
      'InvalidParameterException',
      "1 validation error detected: Value '' at 'logEvents.2.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    await expectError(put([]), 'InvalidParameterException', /at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1/);
    await expectError(put([{ timestamp: -1, message: 'x' }]), 'InvalidParameterException', "1 validation error detected: Value '-1' at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0");
    await expectError(put([{ timestamp: t, message: 'b' }, { timestamp: t - 1, message: 'a' }]), 'InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
    await expectError(put(Array.from({ length: 10_001 }, () => ({ timestamp: t, message: 'x' }))), 'InvalidParameterException', /at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000/);
    // 26 bytes of overhead per event count: two events of 524,263 bytes make 1,048,578.
    const half = 'h'.repeat(524_288 - 26 + 1);
    await expectError(put([{ timestamp: t, message: half }, { timestamp: t, message: half }]), 'InvalidParameterException', 'Upload too large: 1048578 bytes exceeds limit of 1048576');
    await expectError(put([{ timestamp: t, message: 'é'.repeat(524_276) }]), 'InvalidParameterException', 'Log event too large: 1048578 bytes exceeds limit of 1048576');
    await expectError(put([{ timestamp: t, message: 'x'.repeat(1_048_551) }]), 'InvalidParameterException', 'Log event too large: 1048577 bytes exceeds limit of 1048576');
    await expectError(put([{ timestamp: t - 25 * HOUR, message: 'a' }, { timestamp: t, message: 'b' }]), 'InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  });

  it('accepts a batch exactly at the limits: 10,000 events, and 1,048,576 bytes with overhead', async () => {
    const t = now();
    const full = await put(Array.from({ length: 10_000 }, (_, i) => ({ timestamp: t, message: `event ${i}` })));
    expect(full.rejectedLogEventsInfo).toBeUndefined();
    const exact = await put([{ timestamp: t, message: 'x'.repeat(1_048_576 - 26 - 27) }, { timestamp: t, message: 'y' }]);
    expect(exact.rejectedLogEventsInfo).toBeUndefined();
  });

  it('judges a batch by its counted size, not its JSON: non-ASCII and control characters up to 1,048,576 counted bytes pass', async () => {
    await client.send(new CreateLogStreamCommand({ logGroupName: 'put', logStreamName: 'counted' }));
    // Each unit: control characters (6 bytes each as JSON \u00XX), 2-, 3- and 4-byte UTF-8, and the two JSON escapes.
    const unit = '\u0001\u001fé\u0000漢\u0007😀"\\\u001b\u0002';
    const unitBytes = Buffer.byteLength(unit, 'utf8');
    /** A message of exactly `bytes` UTF-8 bytes, padded with control characters. */
    const message = (bytes: number): string => unit.repeat(Math.floor(bytes / unitBytes)) + '\u0003'.repeat(bytes % unitBytes);
    const events = 40;
    const perEvent = Math.floor(1_048_576 / events) - 26;
    const batch = (extra: number): InputLogEvent[] => {
      const t = now();
      return Array.from({ length: events }, (_, i) => ({ timestamp: t, message: message(perEvent + (i === 0 ? 1_048_576 - events * (perEvent + 26) + extra : 0)) }));
    };
    const counted = (b: InputLogEvent[]): number => b.reduce((n, e) => n + Buffer.byteLength(e.message as string, 'utf8') + 26, 0);
    const exact = batch(0);
    expect(counted(exact)).toBe(1_048_576);
    // As JSON this is far past the old 2 MiB cap, and within the raw ceiling.
    const json = Buffer.byteLength(JSON.stringify({ logGroupName: 'put', logStreamName: 'counted', logEvents: exact }));
    expect(json).toBeGreaterThan(2 * 1024 * 1024);
    expect(json).toBeLessThan(MAX_BODY_BYTES);
    const out = await put(exact, 'counted');
    expect(out.rejectedLogEventsInfo).toBeUndefined();
    const stored = await client.send(new GetLogEventsCommand({ logGroupName: 'put', logStreamName: 'counted', startFromHead: true, limit: 2 }));
    expect(stored.events?.map((e) => e.message)).toEqual([exact[0]?.message, exact[1]?.message]);
    // One byte more: AWS's error, before anything is stored.
    await expectError(put(batch(1), 'counted'), 'InvalidParameterException', 'Upload too large: 1048577 bytes exceeds limit of 1048576');
    // The worst case for JSON: one event of nothing but control characters, 6 bytes each on the wire.
    await put([{ timestamp: now(), message: '\u0000'.repeat(1_048_576 - 26) }], 'counted');
    await expectError(put([{ timestamp: now(), message: '\u0000'.repeat(1_048_576 - 25) }], 'counted'), 'InvalidParameterException', 'Log event too large: 1048577 bytes exceeds limit of 1048576');
    const last = await client.send(new GetLogEventsCommand({ logGroupName: 'put', logStreamName: 'counted', limit: 1 }));
    expect(last.events?.[0]?.message).toBe('\u0000'.repeat(1_048_576 - 26));
  }, 60_000);

  it('rejects too old and too new events with AWS index semantics, storing the rest', async () => {
    await client.send(new CreateLogStreamCommand({ logGroupName: 'put', logStreamName: 'ages' }));
    const t = now();
    const out = await put(
      [
        { timestamp: t - 20 * DAY, message: 'old 0' },
        { timestamp: t - 15 * DAY, message: 'old 1' },
        { timestamp: t - 1000, message: 'kept 2' },
        { timestamp: t, message: 'kept 3' },
        { timestamp: t + 3 * HOUR, message: 'new 4' },
        { timestamp: t + 4 * HOUR, message: 'new 5' },
      ],
      'ages',
    );
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 4 });
    const got = await client.send(new GetLogEventsCommand({ logGroupName: 'put', logStreamName: 'ages', startFromHead: true }));
    expect(got.events?.map((e) => e.message)).toEqual(['kept 2', 'kept 3']);
    await client.send(new PutRetentionPolicyCommand({ logGroupName: 'put', retentionInDays: 1 }));
    const expired = await put([{ timestamp: t - 2 * DAY, message: 'expired' }, { timestamp: t - 1, message: 'fresh' }], 'ages');
    expect(expired.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
    await client.send(new DeleteRetentionPolicyCommand({ logGroupName: 'put' }));
  });
});

describe('reading events', () => {
  const base = Date.now() - 60_000;
  beforeAll(async () => {
    await group('read', ['web-1', 'web-2', 'empty']);
    const alert = (i: number) => JSON.stringify({ rule: { level: i % 12, sidid: 5700 + i }, srcip: `10.0.0.${i}`, full_log: i % 3 === 0 ? 'sshd: Failed password' : 'sshd: Accepted key' });
    await client.send(new PutLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', logEvents: Array.from({ length: 30 }, (_, i) => ({ timestamp: base + 2 * i, message: alert(2 * i) })) }));
    await client.send(new PutLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-2', logEvents: Array.from({ length: 30 }, (_, i) => ({ timestamp: base + 2 * i + 1, message: alert(2 * i + 1) })) }));
  });

  it('GetLogEvents: newest page by default, forward and backward tokens, paginator to the end', async () => {
    const newest = await client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', limit: 5 }));
    expect(newest.events?.map((e) => e.timestamp)).toEqual([50, 52, 54, 56, 58].map((d) => base + d));
    expect(newest.events?.[0]).toEqual({ timestamp: base + 50, message: expect.stringContaining('"sidid":5750'), ingestionTime: expect.any(Number) });
    expect(newest.nextForwardToken).toMatch(/^f\/\d{56}$/);
    expect(newest.nextBackwardToken).toMatch(/^b\/\d{56}$/);
    const older = await client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', limit: 5, nextToken: newest.nextBackwardToken as string }));
    expect(older.events?.map((e) => e.timestamp)).toEqual([40, 42, 44, 46, 48].map((d) => base + d));
    const end = await client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', nextToken: newest.nextForwardToken as string, startFromHead: true }));
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(newest.nextForwardToken);
    const all: number[] = [];
    for await (const page of paginateGetLogEvents({ client, pageSize: 7, stopOnSameToken: true }, { logGroupName: 'read', logStreamName: 'web-1', startFromHead: true })) all.push(...(page.events ?? []).map((e) => e.timestamp as number));
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => base + 2 * i));
    const range = await client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', startTime: base + 10, endTime: base + 16, startFromHead: true }));
    expect(range.events?.map((e) => e.timestamp)).toEqual([base + 10, base + 12, base + 14]);
    const empty = await client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'empty' }));
    expect(empty).toMatchObject({ events: [], nextForwardToken: expect.stringMatching(/^f\//), nextBackwardToken: expect.stringMatching(/^b\//) });
  });

  it('GetLogEvents errors: missing stream, bad token, limits', async () => {
    await expectError(client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'nope' })), 'ResourceNotFoundException', 'The specified log stream does not exist.');
    await expectError(client.send(new GetLogEventsCommand({ logGroupName: 'nope', logStreamName: 'web-1' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError(client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', nextToken: 'f/123' })), 'InvalidParameterException', 'The specified nextToken is invalid.');
    await expectError(client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', nextToken: '' })), 'InvalidParameterException', "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1");
    await expectError(client.send(new GetLogEventsCommand({ logGroupName: 'read', logStreamName: 'web-1', limit: 10_001 })), 'InvalidParameterException', /Member must have value less than or equal to 10000/);
  });

  it('FilterLogEvents: terms and JSON patterns across streams, event ids, pagination', async () => {
    const failed = await client.send(new FilterLogEventsCommand({ logGroupName: 'read', filterPattern: '"Failed password"' }));
    expect(failed.events).toHaveLength(20);
    expect(failed.searchedLogStreams).toEqual([]);
    expect(failed.nextToken).toBeUndefined();
    const high = await client.send(new FilterLogEventsCommand({ logGroupName: 'read', filterPattern: '{ $.rule.level >= 10 && $.srcip = "10.0.0.*" }' }));
    expect(high.events?.map((e) => JSON.parse(e.message as string).rule.level)).toEqual([10, 11, 10, 11, 10, 11, 10, 11, 10, 11]);
    const event = high.events?.[0];
    expect(event).toEqual({ logStreamName: 'web-1', timestamp: base + 10, message: expect.any(String), ingestionTime: expect.any(Number), eventId: expect.stringMatching(/^\d{56}$/) });
    expect(BigInt(event?.eventId as string) >> 144n).toBe(BigInt(base + 10));
    const only = await client.send(new FilterLogEventsCommand({ logGroupName: 'read', logStreamNames: ['web-2'], startTime: base, endTime: base + 10 }));
    expect(only.events?.map((e) => e.timestamp)).toEqual([1, 3, 5, 7, 9].map((d) => base + d));
    // Both ends inclusive, as AWS documents FilterLogEvents (GetLogEvents above excludes its endTime).
    const inclusive = await client.send(new FilterLogEventsCommand({ logGroupName: 'read', logStreamNames: ['web-1'], startTime: base + 10, endTime: base + 14 }));
    expect(inclusive.events?.map((e) => e.timestamp)).toEqual([10, 12, 14].map((d) => base + d));
    const instant = await client.send(new FilterLogEventsCommand({ logGroupName: 'read', startTime: base + 13, endTime: base + 13 }));
    expect(instant.events?.map((e) => [e.logStreamName, e.timestamp])).toEqual([['web-2', base + 13]]);
    const latest = await client.send(new FilterLogEventsCommand({ logGroupIdentifier: 'read', startFromHead: false, limit: 3 }));
    expect(latest.events?.map((e) => e.timestamp)).toEqual([59, 58, 57].map((d) => base + d));
    const seen: string[] = [];
    for await (const page of paginateFilterLogEvents({ client, pageSize: 7 }, { logGroupName: 'read', logStreamNamePrefix: 'web' })) {
      seen.push(...(page.events ?? []).map((e) => e.eventId as string));
    }
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    const ids = seen.map((id) => BigInt(id));
    expect(ids.every((id, i) => i === 0 || (id >> 144n) >= ((ids[i - 1] as bigint) >> 144n))).toBe(true);
    expect(seen[0]).toBe(cloudWatchEventId(base, BigInt(seen[0] as string) & ((1n << 144n) - 1n)));
  });

  it('FilterLogEvents errors: bad pattern, bad token, both stream selectors, missing group', async () => {
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'read', filterPattern: '{ $.a = ' })), 'InvalidParameterException', /^Invalid filter pattern: /);
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'read', filterPattern: '[ip, ..., x, ...]' })), 'InvalidParameterException', /^Invalid filter pattern: Only one "\.\.\." is supported per pattern/);
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'read', filterPattern: '%(Failed|Accepted) key%' })), 'InvalidParameterException', /^Invalid filter pattern: '\(' at position 2: .*parentheses/);
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'read', filterPattern: 'sshd %Fail%' })), 'InvalidParameterException', /must be the whole filter pattern/);
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'read', nextToken: 'f/0' })), 'InvalidParameterException', 'The specified nextToken is invalid.');
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'read', logStreamNames: ['web-1'], logStreamNamePrefix: 'web' })), 'InvalidParameterException', /mutually exclusive/);
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'nope' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError(client.send(new FilterLogEventsCommand({ logGroupName: 'read', logStreamNames: [] })), 'InvalidParameterException', /at 'logStreamNames' failed to satisfy constraint: Member must have length greater than or equal to 1/);
  });
});

describe('space-delimited and regex filter patterns', () => {
  const lines = [
    '10.0.0.5 - alice [01/Dec/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 1534',
    '10.0.0.6 - bob [01/Dec/2026:10:00:01 +0000] "POST /login HTTP/1.1" 401 312',
    '192.168.1.9 - root [01/Dec/2026:10:00:02 +0000] "GET /admin HTTP/1.1" 403 5120',
    '10.0.0.7 - carol [01/Dec/2026:10:00:03 +0000] "GET /big.iso HTTP/1.1" 200 98765',
    'sshd[2201]: Failed password for invalid user admin from 203.0.113.9 port 52144 ssh2',
  ];
  let base = 0;
  beforeAll(async () => {
    await group('access', ['web', 'auth']);
    base = now() - 10_000;
    await client.send(new PutLogEventsCommand({ logGroupName: 'access', logStreamName: 'web', logEvents: lines.slice(0, 4).map((message, i) => ({ timestamp: base + i, message })) }));
    await client.send(new PutLogEventsCommand({ logGroupName: 'access', logStreamName: 'auth', logEvents: [{ timestamp: base + 4, message: lines[4] as string }] }));
  });
  const users = async (filterPattern: string): Promise<string[]> => {
    const out = await client.send(new FilterLogEventsCommand({ logGroupName: 'access', filterPattern }));
    return (out.events ?? []).map((e) => (e.message as string).split(' ')[2] as string);
  };

  it('FilterLogEvents: space-delimited fields, ..., conditions with wildcards, numbers, && and ||', async () => {
    expect(await users('[ip, user, username, timestamp, request, status_code, bytes]')).toEqual(['alice', 'bob', 'root', 'carol']);
    expect(await users('[ip=10.*, user, username, timestamp, request, status_code!=200, bytes>300]')).toEqual(['bob']);
    expect(await users('[ip, ..., status_code = 4*, bytes > 1000]')).toEqual(['root']);
    expect(await users('[..., request = *GET* && request != "GET /admin HTTP/1.1", status_code, bytes]')).toEqual(['alice', 'carol']);
    expect(await users('[ip, user, username = bob || username = root, ...]')).toEqual(['bob', 'root']);
  });

  it('FilterLogEvents: %regex% alone and as a field value, on RE2', async () => {
    expect(await users('%^10\\.0\\.0\\.[67]%')).toEqual(['bob', 'carol']);
    expect(await users('[ip, ..., status_code = %^20[0-9]$%, bytes]')).toEqual(['alice', 'carol']);
    const failed = await client.send(new FilterLogEventsCommand({ logGroupName: 'access', filterPattern: '%Failed\\spassword.*from\\s203\\.0\\.113\\.[0-9]+%' }));
    expect(failed.events?.map((e) => e.logStreamName)).toEqual(['auth']);
    // A pattern that backtracks for ages in JS RegExp is answered at once.
    const evil = await client.send(new FilterLogEventsCommand({ logGroupName: 'access', filterPattern: '%a*a*a*a*a*a*a*a*a*a*a*a*a*a*9Z%' }));
    expect(evil.events).toEqual([]);
  });

  it('subscription filters take the same patterns, and the forwarder delivers what they match', async () => {
    await client.send(new PutSubscriptionFilterCommand({ logGroupName: 'access', filterName: 'errors', filterPattern: '[ip, ..., status_code = %^4%, bytes]', destinationArn: 'arn:hidsmon:sink:embedded' }));
    await expectError(client.send(new PutSubscriptionFilterCommand({ logGroupName: 'access', filterName: 'bad', filterPattern: '[ip, status_code > x]', destinationArn: 'arn:hidsmon:sink:embedded' })), 'InvalidParameterException', /^Invalid filter pattern: ">" needs a number, not "x"/);
    const t = now();
    await client.send(
      new PutLogEventsCommand({
        logGroupName: 'access',
        logStreamName: 'web',
        logEvents: [
          { timestamp: t, message: '10.9.9.1 - eve [01/Dec/2026:10:00:04 +0000] "GET /secret HTTP/1.1" 404 99' },
          { timestamp: t, message: '10.9.9.2 - fay [01/Dec/2026:10:00:05 +0000] "GET / HTTP/1.1" 200 99' },
        ],
      }),
    );
    expect(await server.forwarder.drained(20_000)).toBe(true);
    const response = await fetch(`${server.url}/api/search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: '@log_group: access', from: 'now-1h', to: 'now+1h', size: 10 }),
    });
    expect(response.status).toBe(200);
    const found = (await response.json()) as { hits: { document: Record<string, unknown> }[] };
    expect(found.hits.map((h) => String(h.document['@message']).split(' ')[2])).toEqual(['eve']);
    await client.send(new DeleteSubscriptionFilterCommand({ logGroupName: 'access', filterName: 'errors' }));
  }, 60_000);
});

describe('retention and subscription filters', () => {
  beforeAll(async () => group('subs', ['s']));

  it('PutRetentionPolicy / DeleteRetentionPolicy', async () => {
    await client.send(new PutRetentionPolicyCommand({ logGroupName: 'subs', retentionInDays: 7 }));
    expect((await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'subs' }))).logGroups?.[0]?.retentionInDays).toBe(7);
    await expectError(
      client.send(new PutRetentionPolicyCommand({ logGroupName: 'subs', retentionInDays: 2 })),
      'InvalidParameterException',
      "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
    );
    await expectError(client.send(new PutRetentionPolicyCommand({ logGroupName: 'nope', retentionInDays: 7 })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await client.send(new DeleteRetentionPolicyCommand({ logGroupName: 'subs' }));
    expect((await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'subs' }))).logGroups?.[0]).not.toHaveProperty('retentionInDays');
    await expectError(client.send(new DeleteRetentionPolicyCommand({ logGroupName: 'nope' })), 'ResourceNotFoundException');
  });

  it('two filters per group, a third is LimitExceededException, the same name updates', async () => {
    expect((await client.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'subs' }))).subscriptionFilters).toEqual([]);
    await client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'to-index', filterPattern: '', destinationArn: 'arn:hidsmon:sink:embedded' }));
    await client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'high', filterPattern: '{ $.rule.level >= 10 }', destinationArn: 'arn:hidsmon:sink:embedded', roleArn: 'arn:aws:iam::123456789012:role/r', distribution: 'Random' }));
    await expectError(client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'third', filterPattern: '', destinationArn: 'arn:hidsmon:sink:embedded' })), 'LimitExceededException', 'Resource limit exceeded.');
    await client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'to-index', filterPattern: 'sshd', destinationArn: 'arn:hidsmon:sink:embedded' }));
    const described = await client.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'subs' }));
    expect(described.subscriptionFilters).toEqual([
      { filterName: 'high', logGroupName: 'subs', filterPattern: '{ $.rule.level >= 10 }', destinationArn: 'arn:hidsmon:sink:embedded', roleArn: 'arn:aws:iam::123456789012:role/r', distribution: 'Random', applyOnTransformedLogs: false, creationTime: expect.any(Number) },
      { filterName: 'to-index', logGroupName: 'subs', filterPattern: 'sshd', destinationArn: 'arn:hidsmon:sink:embedded', distribution: 'ByLogStream', applyOnTransformedLogs: false, creationTime: expect.any(Number) },
    ]);
    const page = await client.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'subs', limit: 1 }));
    expect(page.subscriptionFilters?.map((f) => f.filterName)).toEqual(['high']);
    const next = await client.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'subs', limit: 1, nextToken: page.nextToken as string }));
    expect(next.subscriptionFilters?.map((f) => f.filterName)).toEqual(['to-index']);
    expect((await client.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'subs', filterNamePrefix: 'to' }))).subscriptionFilters).toHaveLength(1);
    // What the forwarder reads: the log's filters.
    const stored = store.listSubscriptionFilters('subs');
    expect(stored.ok && stored.value.map((f) => [f.name, f.pattern])).toEqual([['high', '{ $.rule.level >= 10 }'], ['to-index', 'sshd']]);
  });

  it('refuses unknown destinations, bad patterns and missing groups; deletes filters', async () => {
    const e = await expectError(client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'x', filterPattern: '', destinationArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' })), 'InvalidParameterException');
    for (const arn of SUBSCRIPTION_DESTINATIONS) expect(e.message).toContain(arn);
    // A destination hidsmon knows but this server has no sink for: its events would go nowhere.
    await expectError(client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'x', filterPattern: '', destinationArn: 'arn:hidsmon:sink:opensearch' })), 'InvalidParameterException', /no sink for 'arn:hidsmon:sink:opensearch'.* configure its cluster: opensearch\.url in hidsmon\.yaml, \$HIDSMON_OPENSEARCH_URL/);
    await expectError(client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'to-index', filterPattern: '{ $.x >', destinationArn: 'arn:hidsmon:sink:embedded' })), 'InvalidParameterException', /^Invalid filter pattern/);
    await expectError(client.send(new PutSubscriptionFilterCommand({ logGroupName: 'nope', filterName: 'x', filterPattern: '', destinationArn: 'arn:hidsmon:sink:embedded' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await expectError(client.send(new PutSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'x', filterPattern: '', destinationArn: 'arn:hidsmon:sink:embedded', distribution: 'Sideways' as never })), 'InvalidParameterException', /enum value set: \[Random, ByLogStream\]/);
    await expectError(client.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'nope' })), 'ResourceNotFoundException');
    await client.send(new DeleteSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'high' }));
    await expectError(client.send(new DeleteSubscriptionFilterCommand({ logGroupName: 'subs', filterName: 'high' })), 'ResourceNotFoundException', 'The specified subscription filter does not exist.');
    expect((await client.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'subs' }))).subscriptionFilters?.map((f) => f.filterName)).toEqual(['to-index']);
    await client.send(new DeleteLogGroupCommand({ logGroupName: 'subs' }));
    const all = store.listSubscriptionFilters();
    expect(all.ok && all.value.filter((f) => f.logGroup === 'subs')).toEqual([]);
  });
});

describe('authentication', () => {
  it('UnrecognizedClientException for an unknown key', async () => {
    const other = newClient({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: KEY.secretAccessKey } });
    await expectError(other.send(new DescribeLogGroupsCommand({})), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    other.destroy();
  });

  it('InvalidSignatureException for a wrong secret', async () => {
    const other = newClient({ credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong' } });
    await expectError(
      other.send(new DescribeLogGroupsCommand({})),
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    other.destroy();
  });

  it('InvalidSignatureException for clock skew over 15 minutes (16 here), which the SDK then corrects from the Date header', async () => {
    // Its own client: the SDK keeps the clock offset it learns from the error's Date header.
    const skewed = newClient();
    try {
      serverSkewMs = 16 * 60_000;
      await expectError(skewed.send(new DescribeLogGroupsCommand({})), 'InvalidSignatureException', /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
      serverSkewMs = -16 * 60_000;
      const other = newClient();
      await expectError(other.send(new DescribeLogGroupsCommand({})), 'InvalidSignatureException', /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
      // With retries, the SDK takes the server's time from the Date header and signs again.
      const retrying = newClient({ maxAttempts: 3 });
      const out = await retrying.send(new DescribeLogGroupsCommand({ limit: 1 }));
      expect(out.$metadata.attempts).toBe(2);
      retrying.destroy();
      other.destroy();
    } finally {
      skewed.destroy();
      serverSkewMs = 0;
    }
  });
});

describe('on the wire', () => {
  /** A raw request, signed by hand unless told otherwise. */
  async function raw(options: { target?: string; body: Buffer; headers?: Record<string, string>; sign?: boolean; method?: string; chunked?: boolean }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    const url = new URL(endpoint);
    let headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-amz-json-1.1', ...(options.target ? { 'x-amz-target': options.target } : {}), ...options.headers };
    if (options.sign !== false) headers = await signWithSmithy({ method: options.method ?? 'POST', headers, body: options.body, ...KEY, region: REGION });
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method: options.method ?? 'POST', path: '/', headers: options.chunked ? headers : { ...headers, 'content-length': String(options.body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      if (!options.chunked) {
        req.end(options.body);
        return;
      }
      // Written in pieces, Node sends it chunked, without a Content-Length to judge it by.
      for (let at = 0; at < options.body.length; at += 65_536) req.write(options.body.subarray(at, at + 65_536));
      req.end();
    });
  }

  it('accepts a gzip-encoded PutLogEvents signed over the compressed bytes, as the CloudWatch agent sends it', async () => {
    await group('gz', ['s']);
    const t = Date.now();
    const json = JSON.stringify({ logGroupName: 'gz', logStreamName: 's', logEvents: Array.from({ length: 500 }, (_, i) => ({ timestamp: t, message: `{"rule":{"level":${i % 15}},"full_log":"sshd[${i}]: Failed password for root"}` })) });
    const body = gzipSync(json);
    expect(body.length).toBeLessThan(json.length / 5);
    const res = await raw({ target: 'Logs_20140328.PutLogEvents', body, headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ nextSequenceToken: expect.stringMatching(/^\d{56}$/) });
    const stored = await client.send(new GetLogEventsCommand({ logGroupName: 'gz', logStreamName: 's', startFromHead: true }));
    expect(stored.events).toHaveLength(500);
    // A byte changed after signing: refused before it is decompressed.
    const tampered = Buffer.from(body);
    tampered.writeUInt8(tampered.readUInt8(20) ^ 0xff, 20);
    const signed = await signWithSmithy({ headers: { host: new URL(endpoint).host, 'x-amz-target': 'Logs_20140328.PutLogEvents', 'content-encoding': 'gzip' }, body, ...KEY, region: REGION, applyChecksum: false });
    const bad = await raw({ body: tampered, headers: signed, sign: false });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).__type).toBe('InvalidSignatureException');
  });

  it('puts the code in both x-amzn-ErrorType and __type, with a request id and a Date', async () => {
    const res = await raw({ target: 'Logs_20140328.DescribeLogStreams', body: Buffer.from('{"logGroupName":"nope"}') });
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(Math.abs(Date.parse(String(res.headers['date'])) - Date.now())).toBeLessThan(5000);
    expect(JSON.parse(res.body)).toEqual({ __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    const ok = await raw({ target: 'Logs_20140328.CreateLogGroup', body: Buffer.from('{"logGroupName":"wire"}') });
    expect(ok).toMatchObject({ status: 200, body: '' });
    expect(ok.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('MissingAuthenticationTokenException, UnknownOperationException, SerializationException', async () => {
    const unsigned = await raw({ target: 'Logs_20140328.DescribeLogGroups', body: Buffer.from('{}'), sign: false });
    expect(unsigned.status).toBe(400);
    expect(JSON.parse(unsigned.body)).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
    const unknown = await raw({ target: 'Logs_20140328.StartLiveTail', body: Buffer.from('{}') });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).__type).toBe('UnknownOperationException');
    const malformed = await raw({ target: 'Logs_20140328.DescribeLogGroups', body: Buffer.from('{"limit":') });
    expect(JSON.parse(malformed.body)).toEqual({ __type: 'SerializationException', message: 'The request body is not valid JSON.' });
    const wrongType = await raw({ target: 'Logs_20140328.DescribeLogGroups', body: Buffer.from('{"limit":"5"}') });
    expect(JSON.parse(wrongType.body)).toEqual({ __type: 'SerializationException', message: "STRING_VALUE can not be converted to Integer (at 'limit')." });
    const wrongEvent = await raw({ target: 'Logs_20140328.PutLogEvents', body: Buffer.from('{"logGroupName":"put","logStreamName":"s","logEvents":[{"timestamp":1,"message":{}}]}') });
    expect(JSON.parse(wrongEvent.body)).toEqual({ __type: 'SerializationException', message: "Start of structure or map found where not expected (at 'logEvents.1.member.message')." });
  });

  it('refuses bodies past the raw ceiling by Content-Length or as they stream, and gzip bodies that inflate past it, with 413', async () => {
    expect(MAX_BODY_BYTES).toBe(6_996_992);
    const big = await raw({ target: 'Logs_20140328.PutLogEvents', body: Buffer.alloc(MAX_BODY_BYTES + 1, 32) });
    expect(big.status).toBe(413);
    expect(big.headers['x-amzn-errortype']).toBe('InvalidParameterException');
    expect(JSON.parse(big.body)).toEqual({ __type: 'InvalidParameterException', message: `Request body too large: ${MAX_BODY_BYTES + 1} bytes exceeds limit of ${MAX_BODY_BYTES}` });
    const streamed = await raw({ target: 'Logs_20140328.PutLogEvents', body: Buffer.alloc(MAX_BODY_BYTES + 1, 32), chunked: true });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({ __type: 'InvalidParameterException', message: `Request body too large: more than ${MAX_BODY_BYTES} bytes exceeds limit of ${MAX_BODY_BYTES}` });
    const bomb = gzipSync(Buffer.alloc(MAX_BODY_BYTES + 1_000_000, 32));
    const inflated = await raw({ target: 'Logs_20140328.PutLogEvents', body: bomb, headers: { 'content-encoding': 'gzip' } });
    expect(inflated.status).toBe(413);
    expect(JSON.parse(inflated.body)).toEqual({ __type: 'InvalidParameterException', message: `Request body too large: more than ${MAX_BODY_BYTES} bytes exceeds limit of ${MAX_BODY_BYTES}` });
    // Still serving.
    expect((await client.send(new DescribeLogGroupsCommand({ limit: 1 }))).logGroups).toHaveLength(1);
  });
});
