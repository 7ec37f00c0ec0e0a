/** PutLogEvents refused as CloudWatch throttles, before anything costly: the signature, the JSON, the batch's checks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogStore } from '../../ingest/log-store.js';
import type { Admission } from '../../pipeline/admission.js';
import { oneKey } from '../../testing/access-grants.js';
import { signWithSmithy } from '../../testing/sigv4-signers.js';
import { handleCloudWatchLogs, type CloudWatchLogsContext, type CloudWatchLogsRequest } from './handle-cloudwatch-logs.js';

const KEY = { accessKeyId: 'AKIDTHROTTLE', secretAccessKey: 'throttle-secret-Qx7vN2pLk9Rt4Wm8' };
let store: LogStore;
let context: CloudWatchLogsContext;
const ADMIT = { kind: 'admit' as const, release: () => void released++ };
let decision: Admission = ADMIT;
let asked = 0;
let released = 0;

beforeAll(async () => {
  store = await LogStore.open({ path: ':memory:' });
  const admission = { admit: (): Admission => (asked++, decision) };
  context = { store, credentials: oneKey(KEY.accessKeyId, KEY.secretAccessKey, { owner: '123456789012', region: 'eu-west-1' }), owner: '123456789012', region: 'eu-west-1', nowMs: Date.now, admission };
});
afterAll(async () => store.close());

async function signed(target: string, body: string): Promise<CloudWatchLogsRequest> {
  const bytes = Buffer.from(body);
  const headers = await signWithSmithy({ method: 'POST', headers: { host: 'localhost', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${target}` }, body: bytes, ...KEY, region: 'eu-west-1' });
  return { method: 'POST', path: '/', query: '', headers, body: bytes };
}

async function call(request: CloudWatchLogsRequest): Promise<{ status: number; type?: string; message?: string; errorType?: string }> {
  const response = await handleCloudWatchLogs(request, context);
  const parsed = response.status !== 200 ? (JSON.parse(response.body) as { __type: string; message: string }) : undefined;
  return { status: response.status, ...(parsed ? { type: parsed.__type, message: parsed.message } : {}), ...(response.headers['x-amzn-errortype'] ? { errorType: response.headers['x-amzn-errortype'] } : {}) };
}

describe('throttling PutLogEvents', () => {
  it('answers 400 ThrottlingException "Rate exceeded" and stores nothing; other operations and admitted batches go on', async () => {
    expect((await call(await signed('CreateLogGroup', JSON.stringify({ logGroupName: 'g' })))).status).toBe(200);
    expect((await call(await signed('CreateLogStream', JSON.stringify({ logGroupName: 'g', logStreamName: 's' })))).status).toBe(200);
    const put = JSON.stringify({ logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'm' }] });
    decision = { kind: 'throttle', reason: 'lag_seconds', destination: 'd', lagEvents: 50_000, lagMs: 2500 };
    expect(await call(await signed('PutLogEvents', put))).toEqual({ status: 400, type: 'ThrottlingException', message: 'Rate exceeded', errorType: 'ThrottlingException' });
    expect(store.lastSequence()).toBe(0);
    // Only PutLogEvents asks: reads and management are not held back by indexing.
    const before = asked;
    expect((await call(await signed('DescribeLogStreams', JSON.stringify({ logGroupName: 'g' })))).status).toBe(200);
    expect(asked).toBe(before);
    decision = ADMIT;
    const releasedBefore = released;
    expect((await call(await signed('PutLogEvents', put))).status).toBe(200);
    expect(store.lastSequence()).toBe(1);
    // An admitted request gives its share of the backlog back once it is stored.
    expect(released).toBe(releasedBefore + 1);
  });

  it('refuses before the signature and the JSON are looked at, so that a refusal costs next to nothing', async () => {
    decision = { kind: 'throttle', reason: 'lag_events', destination: 'd', lagEvents: 300_000, lagMs: 0 };
    const bad = await signed('PutLogEvents', '{ not json');
    bad.headers['authorization'] = String(bad.headers['authorization']).replace(/Signature=\w+/, 'Signature=0000');
    expect(await call(bad)).toMatchObject({ status: 400, type: 'ThrottlingException' });
    decision = ADMIT;
    const releasedBefore = released;
    expect(await call(bad)).toMatchObject({ status: 400, type: 'InvalidSignatureException' });
    expect(released).toBe(releasedBefore + 1);
  });
});
