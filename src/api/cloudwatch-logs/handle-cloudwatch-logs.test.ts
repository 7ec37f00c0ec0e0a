import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../core/audit.js';
import { LogStore } from '../../ingest/log-store.js';
import { oneKey } from '../../testing/access-grants.js';
import { signWithSmithy } from '../../testing/sigv4-signers.js';
import { handleCloudWatchLogs, type CloudWatchLogsContext, type CloudWatchLogsRequest } from './handle-cloudwatch-logs.js';
import { checkDeclaredLength, MAX_BODY_BYTES, MAX_COMPRESSED_BODY_BYTES } from './limits.js';

const KEY = { accessKeyId: 'AKIDHANDLER', secretAccessKey: 'handler-secret-Qx7vN2pLk9Rt4Wm8' };
let store: LogStore;
let context: CloudWatchLogsContext;

beforeAll(async () => {
  store = await LogStore.open({ path: ':memory:' });
  context = { store, credentials: oneKey(KEY.accessKeyId, KEY.secretAccessKey, { owner: '123456789012', region: 'eu-west-1' }), owner: '123456789012', region: 'eu-west-1', nowMs: Date.now };
});
afterAll(async () => store.close());

/** A request signed by AWS SDK v3's signer. */
async function signed(target: string | undefined, body: Buffer | string, headers: Record<string, string> = {}, method = 'POST'): Promise<CloudWatchLogsRequest> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const all = await signWithSmithy({ method, headers: { host: 'localhost', 'content-type': 'application/x-amz-json-1.1', ...(target ? { 'x-amz-target': `Logs_20140328.${target}` } : {}), ...headers }, body: bytes, ...KEY, region: 'eu-west-1' });
  return { method, path: '/', query: '', headers: all, body: bytes };
}

async function call(pending: CloudWatchLogsRequest | Promise<CloudWatchLogsRequest>, ctx = context): Promise<{ status: number; type?: string; message?: string; headers: Record<string, string>; body: string }> {
  const response = await handleCloudWatchLogs(await pending, ctx);
  const parsed = response.body && response.status !== 200 ? (JSON.parse(response.body) as { __type: string; message: string }) : undefined;
  return { status: response.status, headers: response.headers, body: response.body, ...(parsed ? { type: parsed.__type, message: parsed.message } : {}) };
}

describe('handleCloudWatchLogs', () => {
  it('judges each action on the key\'s policy, recording all but allowed PutLogEvents; a recorder that throws changes no answer', async () => {
    const entries: AuditEntry[] = [];
    const agent: CloudWatchLogsContext = {
      ...context,
      credentials: oneKey(KEY.accessKeyId, KEY.secretAccessKey, { owner: '123456789012', region: 'eu-west-1' }, { profile: 'agent' }),
      audit: { record: (e) => entries.push(e) },
    };
    const request = async (target: string, body: object): Promise<CloudWatchLogsRequest> => ({ ...(await signed(target, JSON.stringify(body))), remoteAddress: '10.1.2.3' });
    expect((await call(request('CreateLogGroup', { logGroupName: 'perm' }), agent)).status).toBe(200);
    expect((await call(request('CreateLogStream', { logGroupName: 'perm', logStreamName: 's' }), agent)).status).toBe(200);
    expect((await call(request('PutLogEvents', { logGroupName: 'perm', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'm' }] }), agent)).status).toBe(200);
    const denied = await call(request('DeleteLogGroup', { logGroupName: 'perm' }), agent);
    expect(denied).toMatchObject({ status: 400, type: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/hidsmon/AKIDHANDLER is not authorized to perform: logs:DeleteLogGroup on resource: arn:aws:logs:eu-west-1:123456789012:log-group:perm:log-stream:' });
    expect(denied.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(entries.map((e) => `${e.action} ${e.outcome}`)).toEqual(['logs:CreateLogGroup allowed', 'logs:CreateLogStream allowed', 'logs:DeleteLogGroup denied']);
    expect(entries[2]).toMatchObject({ actor: { kind: 'access-key', id: KEY.accessKeyId }, sourceIp: '10.1.2.3', resource: 'arn:aws:logs:eu-west-1:123456789012:log-group:perm:log-stream:', requestId: denied.headers['x-amzn-requestid'] });
    const throwing = { ...agent, audit: { record: () => { throw new Error('audit down'); } } };
    expect((await call(request('DeleteLogGroup', { logGroupName: 'perm' }), throwing)).type).toBe('AccessDeniedException');
    expect((await call(request('DescribeLogStreams', { logGroupName: 'perm' }), throwing)).status).toBe(200);
  });

  it('answers a bug with a 500 ServiceUnavailableException carrying the request id, and reports it', async () => {
    const reported: Array<[unknown, string]> = [];
    const broken: CloudWatchLogsContext = {
      ...context,
      store: { getLogGroup: () => { throw new Error('boom'); } } as unknown as LogStore,
      onInternalError: (e, id) => reported.push([e, id]),
    };
    const r = await call(signed('DeleteLogGroup', '{"logGroupName":"g"}'), broken);
    expect(r.status).toBe(500);
    expect(r.type).toBe('ServiceUnavailableException');
    expect(r.message).toContain(r.headers['x-amzn-requestid']);
    expect(reported).toHaveLength(1);
    expect((reported[0]?.[0] as Error).message).toBe('boom');
    expect(reported[0]?.[1]).toBe(r.headers['x-amzn-requestid']);
    // A reporter that throws does not change the answer.
    const r2 = await call(signed('DeleteLogGroup', '{"logGroupName":"g"}'), { ...broken, onInternalError: () => { throw new Error('reporter'); } });
    expect(r2.type).toBe('ServiceUnavailableException');
    // A clock that throws too.
    const r3 = await call(signed('DescribeLogGroups', '{}'), { ...context, nowMs: () => { throw new Error('clock'); } });
    expect(r3).toMatchObject({ status: 500, type: 'ServiceUnavailableException' });
  });

  it('reads an empty body as {} and refuses bodies that are not a JSON object', async () => {
    expect((await call(signed('DescribeLogGroups', ''))).status).toBe(200);
    expect(await call(signed('DescribeLogGroups', 'null'))).toMatchObject({ status: 200 });
    expect(await call(signed('DescribeLogGroups', '[1]'))).toMatchObject({ status: 400, type: 'SerializationException', message: "Start of list found where not expected (at '')." });
    expect(await call(signed('DescribeLogGroups', '"x"'))).toMatchObject({ status: 400, type: 'SerializationException' });
    expect(await call(signed('CreateLogGroup', '{"logGroupName":5}'))).toMatchObject({ type: 'SerializationException', message: "NUMBER_VALUE can not be converted to String (at 'logGroupName')." });
    expect(await call(signed('PutLogEvents', '{"logGroupName":"g","logStreamName":"s","logEvents":{}}'))).toMatchObject({ type: 'SerializationException', message: "Start of structure or map found where not expected (at 'logEvents')." });
    expect(await call(signed('PutLogEvents', '{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1.5,"message":"m"}]}'))).toMatchObject({ type: 'SerializationException', message: "NUMBER_VALUE 1.5 can not be converted to Long (at 'logEvents.1.member.timestamp')." });
    expect(await call(signed('DescribeLogGroups', '{"limit":true}'))).toMatchObject({ type: 'SerializationException', message: "TRUE_VALUE can not be converted to Integer (at 'limit')." });
    expect(await call(signed('DescribeLogGroups', '{"limit":4294967296}'))).toMatchObject({ type: 'SerializationException' });
    expect(await call(signed('DescribeLogGroups', '{"unknownMember":[1,{"a":2}],"limit":null}'))).toMatchObject({ status: 200 });
  });

  it('lists several validation errors in one message', async () => {
    const r = await call(signed('DescribeLogStreams', '{"logGroupName":"bad name","limit":0,"nextToken":""}'));
    expect(r.type).toBe('InvalidParameterException');
    expect(r.message).toBe(
      "3 validation errors detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+; " +
        "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const many = await call(signed('PutLogEvents', JSON.stringify({ logGroupName: 'g', logStreamName: 's', logEvents: Array.from({ length: 25 }, () => ({ timestamp: 1, message: '' })) })));
    expect(many.message).toMatch(/^25 validation errors detected: /);
    expect(many.message).toMatch(/\(15 more\)$/);
  });

  it('refuses other methods, missing and unknown targets', async () => {
    expect(await call(signed('DescribeLogGroups', '{}', {}, 'GET'))).toMatchObject({ status: 400, type: 'UnknownOperationException' });
    expect(await call(signed(undefined, '{}'))).toMatchObject({ status: 400, type: 'UnknownOperationException', message: "Unknown operation: hidsmon's CloudWatch Logs endpoint does not serve a request without X-Amz-Target." });
    expect(await call(signed('GetQueryResults', '{}'))).toMatchObject({ status: 400, type: 'UnknownOperationException' });
    const wrongVersion = signed(undefined, '{}', { 'x-amz-target': 'Logs_20990101.DescribeLogGroups' });
    expect(await call(wrongVersion)).toMatchObject({ type: 'UnknownOperationException' });
  });

  it('decompresses gzip, refuses broken gzip and other encodings', async () => {
    const body = gzipSync('{"logGroupName":"gz-handler"}');
    expect((await call(signed('CreateLogGroup', body, { 'content-encoding': 'gzip' }))).status).toBe(200);
    expect(store.getLogGroup('gz-handler')).toBeDefined();
    expect(await call(signed('CreateLogGroup', Buffer.from('not gzip'), { 'content-encoding': 'gzip' }))).toMatchObject({ type: 'SerializationException', message: 'The request body is not valid gzip data.' });
    expect(await call(signed('CreateLogGroup', '{}', { 'content-encoding': 'br' }))).toMatchObject({ type: 'SerializationException', message: "Content-Encoding 'br' is not supported; use gzip or none." });
    expect((await call(signed('DescribeLogGroups', '{}', { 'content-encoding': 'identity' }))).status).toBe(200);
  });

  it('checks sizes before the signature: declared length, received bytes, inflated bytes', async () => {
    expect(checkDeclaredLength({ 'content-length': String(MAX_BODY_BYTES) })).toBeUndefined();
    expect(checkDeclaredLength({ 'Content-Length': String(MAX_BODY_BYTES + 1) })?.status).toBe(413);
    expect(checkDeclaredLength({ 'content-length': String(MAX_COMPRESSED_BODY_BYTES + 1), 'content-encoding': 'gzip' })?.message).toBe(`Request body too large: ${MAX_COMPRESSED_BODY_BYTES + 1} bytes exceeds limit of ${MAX_COMPRESSED_BODY_BYTES}`);
    const unsignedHuge: CloudWatchLogsRequest = { method: 'POST', path: '/', query: '', headers: { 'content-length': '999999999' }, body: Buffer.alloc(0) };
    expect(await call(unsignedHuge)).toMatchObject({ status: 413, type: 'InvalidParameterException' });
    expect(await call({ method: 'POST', path: '/', query: '', headers: {}, body: Buffer.alloc(MAX_BODY_BYTES + 1) })).toMatchObject({ status: 413 });
    const compressed = gzipSync(Buffer.alloc(MAX_BODY_BYTES + 10, 0x20));
    expect(await call(signed('PutLogEvents', compressed, { 'content-encoding': 'gzip' }))).toMatchObject({ status: 413, type: 'InvalidParameterException' });
  });

  it('answers unsigned requests with MissingAuthenticationTokenException before anything else', async () => {
    expect(await call({ method: 'POST', path: '/', query: '', headers: { 'x-amz-target': 'Logs_20140328.Nope' }, body: Buffer.from('garbage') })).toMatchObject({ status: 400, type: 'MissingAuthenticationTokenException' });
    expect(await call({ method: 'POST', path: '/', query: '', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' }, body: Buffer.alloc(0) })).toMatchObject({ status: 400, type: 'IncompleteSignatureException' });
  });
});
