/**
 * The sender against a tiny fake endpoint that speaks the protocol edges the hidsmon server and
 * current AWS never produce: legacy sequence tokens (InvalidSequenceToken / DataAlreadyAccepted),
 * and failures on demand. The hidsmon server itself is the test in shipper.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retry } from '../../pipeline/retry.js';
import { StreamSender, countRejected, expectedToken, putLogEventsBody } from './sender.js';
import { createShipper } from './index.js';
import { createLogsClient } from '../logs-client.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Reply = { status: number; body: Record<string, unknown> };
type Handler = (target: string, body: Record<string, any>) => Reply;

let server: Server;
let url = '';
let handler: Handler = () => ({ status: 200, body: {} });
/** How long the fake endpoint takes to answer (so that requests overlap), and the most it had in hand at once. */
let replyDelayMs = 0;
let inHand = 0;
let mostInHand = 0;
const calls: Array<{ target: string; body: Record<string, any> }> = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
      calls.push({ target, body });
      const reply = handler(target, body);
      mostInHand = Math.max(mostInHand, ++inHand);
      setTimeout(() => {
        inHand--;
        res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(reply.body));
      }, replyDelayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  calls.length = 0;
  replyDelayMs = 0;
  mostInHand = 0;
});

const quiet = { info: () => undefined, warn: () => undefined };
const client = (endpoint = url) => createLogsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' } });
const events = (n: number, t0 = 1_700_000_000_000) => Array.from({ length: n }, (_, i) => ({ timestamp: t0 + i, message: `event ${i}` }));
const noWait = { sleep: async () => undefined };
const send = (sender: StreamSender, batch: ReturnType<typeof events>, maxAttempts = 10) => retry((_n, signal) => sender.attempt(batch, signal), { initialDelayMs: 1, maxDelayMs: 1, maxAttempts }, {}, noWait);

/** A legacy stream: each put must carry the token of the one before; a repeat of the last batch is DataAlreadyAccepted. */
function legacyStream(): Handler {
  let token = 1;
  let lastBatch = '';
  return (target, body) => {
    if (target !== 'PutLogEvents') return { status: 200, body: {} };
    const batch = JSON.stringify(body['logEvents']);
    if (body['sequenceToken'] !== String(token)) {
      if (batch === lastBatch && body['sequenceToken'] === String(token - 1)) return { status: 400, body: { __type: 'DataAlreadyAcceptedException', message: 'already accepted', expectedSequenceToken: String(token) } };
      return { status: 400, body: { __type: 'InvalidSequenceTokenException', message: `The given sequenceToken is invalid. The next expected sequenceToken is: ${token}`, expectedSequenceToken: String(token) } };
    }
    lastBatch = batch;
    token++;
    return { status: 200, body: { nextSequenceToken: String(token) } };
  };
}

describe('StreamSender: sequence tokens of legacy endpoints', () => {
  it('takes the expected token from InvalidSequenceTokenException, retries, and then sends the next token itself', async () => {
    handler = legacyStream();
    const sender = new StreamSender(client(), 'g', 's', quiet);
    expect((await send(sender, events(3))).kind).toBe('ok');
    expect((await send(sender, events(2, 1_700_000_001_000))).kind).toBe('ok');
    const puts = calls.filter((c) => c.target === 'PutLogEvents');
    expect(puts.map((c) => c.body['sequenceToken'] ?? null)).toEqual([null, '1', '2']);
  });

  it('counts DataAlreadyAcceptedException as delivered (an earlier attempt got through)', async () => {
    handler = legacyStream();
    const sender = new StreamSender(client(), 'g', 's', quiet);
    const batch = events(4);
    expect((await send(sender, batch)).kind).toBe('ok');
    // Our answer was lost: the same batch goes again with the token it was first sent with.
    (sender as unknown as { sequenceToken: string }).sequenceToken = '1';
    const again = await send(sender, batch);
    expect(again).toEqual({ kind: 'ok', value: { accepted: 4, rejected: { tooOld: 0, expired: 0, tooNew: 0 } } });
    // null → InvalidSequenceToken, '1' → stored, '1' again → DataAlreadyAccepted.
    expect(calls.filter((c) => c.target === 'PutLogEvents').map((c) => c.body['sequenceToken'] ?? null)).toEqual([null, '1', '1']);
  });

  it('an endpoint that refuses every token gets the normal backoff after two exchanges, not a tight loop', async () => {
    handler = () => ({ status: 400, body: { __type: 'InvalidSequenceTokenException', message: 'no', expectedSequenceToken: 'never' } });
    const sender = new StreamSender(client(), 'g', 's', quiet);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await sender.attempt(events(1)));
    expect(outcomes.map((o) => (o.kind === 'retryable' ? o.retryAfterMs ?? 'backoff' : o.kind))).toEqual([0, 0, 'backoff']);
  });

  it('reads the token from the message when the member is missing', () => {
    expect(expectedToken(Object.assign(new Error('The given sequenceToken is invalid. The next expected sequenceToken is: 4953670125'), { name: 'InvalidSequenceTokenException' }))).toBe('4953670125');
  });
});

describe('StreamSender: batches in flight together', () => {
  it('a current endpoint gets several puts at once, without sequence tokens', async () => {
    handler = () => ({ status: 200, body: { nextSequenceToken: '7' } });
    replyDelayMs = 50;
    const sender = new StreamSender(client(), 'g', 's', quiet, 4);
    const outcomes = await Promise.all(Array.from({ length: 4 }, (_, i) => send(sender, events(2, 1_700_000_000_000 + i * 10))));
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(mostInHand).toBe(4);
    expect(calls.every((c) => c.body['sequenceToken'] === undefined)).toBe(true);
  });

  it('an endpoint that wants tokens is served one put at a time from then on, each with the token of the one before', async () => {
    handler = legacyStream();
    replyDelayMs = 20;
    const sender = new StreamSender(client(), 'g', 's', quiet, 4);
    const outcomes = await Promise.all(Array.from({ length: 4 }, (_, i) => send(sender, events(2, 1_700_000_000_000 + i * 10))));
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(sender.concurrency).toBe(1);
    // After the first exchange every put carried the right token: 4 accepted, so tokens 1..4 were each used once.
    const accepted = calls.filter((c) => c.target === 'PutLogEvents' && c.body['sequenceToken'] !== undefined).map((c) => c.body['sequenceToken']);
    expect(new Set(accepted)).toEqual(new Set(['1', '2', '3', '4']));
    mostInHand = 0;
    await Promise.all(Array.from({ length: 3 }, (_, i) => send(sender, events(1, 1_700_000_001_000 + i))));
    expect(mostInHand).toBe(1);
  });

  it('puts in flight together that find the stream missing create it once, and all are delivered', async () => {
    let created = false;
    handler = (target) => {
      if (target === 'CreateLogGroup') return { status: 200, body: {} };
      if (target === 'CreateLogStream') return (created = true), { status: 200, body: {} };
      return created ? { status: 200, body: {} } : { status: 400, body: { __type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' } };
    };
    replyDelayMs = 30;
    const sender = new StreamSender(client(), 'g', 's', quiet, 4);
    const first = Promise.all(Array.from({ length: 4 }, (_, i) => send(sender, events(1, 1_700_000_000_000 + i))));
    // One more sent while the creation is under way: it finds the stream missing too, and must not call that fatal.
    await new Promise((r) => setTimeout(r, 45));
    const late = send(sender, events(1, 1_700_000_000_100));
    expect([...(await first), await late].map((o) => o.kind)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(calls.filter((c) => c.target === 'CreateLogStream').length).toBe(1);
  });
});

describe('StreamSender: what fails how', () => {
  it('creates a missing group and stream, then delivers', async () => {
    let created = 0;
    handler = (target) => {
      if (target === 'CreateLogGroup' || target === 'CreateLogStream') {
        created++;
        return target === 'CreateLogGroup' ? { status: 400, body: { __type: 'ResourceAlreadyExistsException', message: 'exists' } } : { status: 200, body: {} };
      }
      return created < 2 ? { status: 400, body: { __type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' } } : { status: 200, body: {} };
    };
    const outcome = await send(new StreamSender(client(), 'g', 's', quiet), events(1));
    expect(outcome.kind).toBe('ok');
    expect(calls.map((c) => c.target)).toEqual(['PutLogEvents', 'CreateLogGroup', 'CreateLogStream', 'PutLogEvents']);
  });

  it('goes on to create the stream when the key may not create the group (it exists)', async () => {
    let stream = false;
    handler = (target) => {
      if (target === 'CreateLogGroup') return { status: 400, body: { __type: 'AccessDeniedException', message: 'not authorized to perform: logs:CreateLogGroup' } };
      if (target === 'CreateLogStream') return (stream = true), { status: 200, body: {} };
      return stream ? { status: 200, body: {} } : { status: 400, body: { __type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' } };
    };
    expect((await send(new StreamSender(client(), 'g', 's', quiet), events(1))).kind).toBe('ok');
  });

  it('is fatal when the stream is still missing after creating it', async () => {
    handler = (target) => (target === 'PutLogEvents' ? { status: 400, body: { __type: 'ResourceNotFoundException', message: 'missing' } } : { status: 200, body: {} });
    const outcome = await send(new StreamSender(client(), 'g', 's', quiet), events(1));
    expect(outcome.kind).toBe('fatal');
  });

  it('AccessDenied and InvalidParameter are fatal with their AWS name as the code; throttling and 5xx are retryable', async () => {
    for (const [type, status, kind] of [
      ['AccessDeniedException', 400, 'fatal'],
      ['InvalidParameterException', 400, 'fatal'],
      ['UnrecognizedClientException', 400, 'fatal'],
      ['ThrottlingException', 400, 'retryable'],
      ['ServiceUnavailableException', 503, 'retryable'],
      ['SomethingElse', 502, 'retryable'],
    ] as const) {
      handler = () => ({ status, body: { __type: type, message: 'no' } });
      const outcome = await new StreamSender(client(), 'g', 's', quiet).attempt(events(1));
      expect([type, outcome.kind]).toEqual([type, kind]);
      if (outcome.kind === 'fatal') expect((outcome.error as { code?: string }).code).toBe(type);
      // Throttling means "up, slow down": the retry waits at most the policy's shorter throttled cap.
      if (outcome.kind === 'retryable') expect([type, outcome.throttled === true]).toEqual([type, type === 'ThrottlingException']);
    }
  });

  it('a refused connection is retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await new StreamSender(client(`http://127.0.0.1:${port}`), 'g', 's', quiet).attempt(events(1));
    expect(outcome.kind).toBe('retryable');
  });

  it('counts events refused for their time from rejectedLogEventsInfo', async () => {
    handler = () => ({ status: 200, body: { nextSequenceToken: '9', rejectedLogEventsInfo: { tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 9 } } });
    const outcome = await new StreamSender(client(), 'g', 's', quiet).attempt(events(10));
    expect(outcome).toEqual({ kind: 'ok', value: { accepted: 7, rejected: { tooOld: 2, expired: 0, tooNew: 1 } } });
    expect(countRejected({ expiredLogEventEndIndex: 3, tooOldLogEventEndIndex: 3 }, 5).total).toBe(3);
  });
});

describe('createShipper: throttling and 5xx are retried with backoff until delivered', () => {
  it('keeps the batch through 5 refusals, reports retrying, then delivers it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hidsmon-ship-throttle-'));
    let refusals = 0;
    handler = (target) => {
      if (target !== 'PutLogEvents') return { status: 200, body: {} };
      if (refusals < 5) return refusals++ % 2 === 0 ? { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } } : { status: 503, body: { __type: 'ServiceUnavailableException', message: 'down' } };
      return { status: 200, body: { nextSequenceToken: '1' } };
    };
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const ship = await createShipper({ client: client(), logGroup: 'g', logStream: 's', spoolDir: dir, spoolMaxBytes: 1_000_000, bufferMs: 10, heartbeatMs: 0, retryPolicy: { initialDelayMs: 5, maxDelayMs: 20 }, log });
    await ship.sink({ records: [{ timestampMs: 1_700_000_000_000, message: 'one' }], position: { file: 'f', dev: 1, ino: 1, fingerprint: 'x', offset: 0 } });
    expect(await ship.drained(10_000)).toBe(true);
    await ship.close(100);
    expect(calls.filter((c) => c.target === 'PutLogEvents').length).toBe(6);
    expect(ship.status()).toMatchObject({ sentEvents: 1, sentBatches: 1, state: 'ok' });
    expect(ship.status().lastError?.code).toMatch(/ThrottlingException|ServiceUnavailableException/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('putLogEventsBody: the request from the spool\'s JSON text of each message', () => {
  it('is the JSON of the request object, whether a message comes with its JSON text, its JSON bytes (from the spool) or without (a split part)', () => {
    const odd = 'quote " backslash \\ newline \n tab \t lone \ud800 line sep \u2028 é ✓ \u0000';
    const events = [
      { timestamp: 1_700_000_000_000, message: odd, messageJson: JSON.stringify(odd) },
      { timestamp: 1_700_000_000_001, message: '[hidsmon: part 1/2] {"a":1}' },
      // The spool's: the message's JSON as UTF-8 bytes, copied into the request as they are.
      { timestamp: 1_700_000_000_002, message: 'bytes é " ✓', messageJson: Buffer.from(JSON.stringify('bytes é " ✓'), 'utf8') },
    ];
    const plain = events.map(({ timestamp, message }) => ({ timestamp, message }));
    // The very bytes of the request object's JSON, no more (the body is written into a buffer of its exact size).
    expect(putLogEventsBody('g/1', 's"2', events).equals(Buffer.from(JSON.stringify({ logGroupName: 'g/1', logStreamName: 's"2', logEvents: plain }), 'utf8'))).toBe(true);
    expect(JSON.parse(putLogEventsBody('g', 's', events, '42').toString('utf8'))).toEqual({ logGroupName: 'g', logStreamName: 's', logEvents: plain, sequenceToken: '42' });
  });
});
