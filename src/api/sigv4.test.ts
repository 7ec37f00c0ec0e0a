import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmzDate, signSigV4, verifySigV4, type SigV4Request } from './sigv4.js';

const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const credentials = (id: string): string | undefined => (id === AKID ? SECRET : undefined);

/** AWS's published SigV4 test suite (aws-sig-v4-test-suite): service `service`, 2015-08-30T12:36:00Z. */
describe('verifySigV4 against the AWS test suite', () => {
  const nowMs = Date.UTC(2015, 7, 30, 12, 36, 0);
  const vector = (query: string, signature: string): SigV4Request => ({
    method: 'GET',
    path: '/',
    query,
    headers: {
      Host: 'example.amazonaws.com',
      'X-Amz-Date': '20150830T123600Z',
      Authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    },
    body: Buffer.alloc(0),
  });

  it('accepts get-vanilla and get-vanilla-query-order-key-case', () => {
    expect(verifySigV4({ ...vector('', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'), credentials, nowMs, service: 'service' })).toMatchObject({ ok: true, value: { accessKeyId: AKID, region: 'us-east-1' } });
    expect(verifySigV4({ ...vector('Param2=value2&Param1=value1', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'), credentials, nowMs, service: 'service' }).ok).toBe(true);
  });

  it('signs get-vanilla to the published signature', () => {
    const headers = signSigV4({ method: 'GET', path: '/', query: '', headers: { Host: 'example.amazonaws.com' }, body: Buffer.alloc(0), accessKeyId: AKID, secretAccessKey: SECRET, region: 'us-east-1', service: 'service', dateMs: nowMs, contentSha256: false });
    expect(headers['authorization']).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });
});

describe('verifySigV4 with the hand-built signer', () => {
  const nowMs = Date.UTC(2024, 5, 1, 12, 0, 0);
  const body = Buffer.from('{"logGroupName":"g"}');
  const signed = (extra: Record<string, string> = {}, overrides: Partial<Parameters<typeof signSigV4>[0]> = {}): SigV4Request => ({
    method: 'POST',
    path: '/',
    query: '',
    body,
    headers: signSigV4({
      method: 'POST',
      path: '/',
      query: '',
      body,
      headers: { host: '127.0.0.1:4588', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.DescribeLogGroups', ...extra },
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      region: 'eu-west-1',
      service: 'logs',
      dateMs: nowMs,
      ...overrides,
    }),
  });
  const verify = (request: SigV4Request, at = nowMs) => verifySigV4({ ...request, credentials, nowMs: at });

  it('accepts a correctly signed request, with or without x-amz-content-sha256', () => {
    expect(verify(signed())).toEqual({ ok: true, value: { accessKeyId: AKID, region: 'eu-west-1', service: 'logs', signedAtMs: nowMs } });
    expect(verify(signed({}, { contentSha256: false })).ok).toBe(true);
  });

  it('does not care about header name case or repeated spaces in values', () => {
    const request = signed({ 'X-Custom-Header': '  a   b\t c  ' });
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k.toUpperCase()] = v;
    headers['X-CUSTOM-HEADER'] = 'a b c';
    expect(verify({ ...request, headers }).ok).toBe(true);
    headers['X-CUSTOM-HEADER'] = 'a bc';
    expect(verify({ ...request, headers })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
  });

  it('refuses a tampered body, a tampered signed header and a wrong secret', () => {
    const request = signed();
    expect(verify({ ...request, body: Buffer.from('{"logGroupName":"h"}') })).toMatchObject({ ok: false, error: { kind: 'content-sha256-mismatch' } });
    const noHash = signed({}, { contentSha256: false });
    expect(verify({ ...noHash, body: Buffer.from('{"logGroupName":"h"}') })).toEqual({
      ok: false,
      error: { kind: 'invalid-signature', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' },
    });
    expect(verify({ ...request, headers: { ...request.headers, 'x-amz-target': 'Logs_20140328.DeleteLogGroup' } })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verify(signed({}, { secretAccessKey: 'wrong' }))).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verify({ ...request, method: 'PUT' })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verify({ ...request, path: '/other' })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
  });

  it('refuses unknown keys', () => {
    expect(verify(signed({}, { accessKeyId: 'AKIDUNKNOWN' }))).toEqual({ ok: false, error: { kind: 'unrecognized-client', message: 'The security token included in the request is invalid.' } });
  });

  it('allows five minutes of clock skew either way, and says which way it failed', () => {
    const request = signed();
    expect(verify(request, nowMs + 5 * 60_000).ok).toBe(true);
    expect(verify(request, nowMs - 5 * 60_000).ok).toBe(true);
    expect(verify(request, nowMs + 5 * 60_000 + 1000)).toEqual({ ok: false, error: { kind: 'clock-skew', message: 'Signature expired: 20240601T120000Z is now earlier than 20240601T120001Z (20240601T120501Z - 5 min.)' } });
    expect(verify(request, nowMs - 10 * 60_000)).toEqual({ ok: false, error: { kind: 'clock-skew', message: 'Signature not yet current: 20240601T120000Z is still later than 20240601T115500Z (20240601T115000Z + 5 min.)' } });
  });

  it('refuses missing and malformed authorization, and wrong scopes', () => {
    const request = signed();
    const without = { ...request.headers };
    delete without['authorization'];
    expect(verify({ ...request, headers: without })).toMatchObject({ ok: false, error: { kind: 'missing-authentication' } });
    const auth = request.headers['authorization'] as string;
    const withAuth = (value: string) => verify({ ...request, headers: { ...request.headers, authorization: value } });
    expect(withAuth('Basic dXNlcjpwYXNz')).toMatchObject({ ok: false, error: { kind: 'incomplete-signature' } });
    expect(withAuth('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240601/eu-west-1/logs/aws4_request')).toEqual({
      ok: false,
      error: { kind: 'incomplete-signature', message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter." },
    });
    expect(withAuth(auth.replace('Credential=AKIDEXAMPLE/', 'Credential='))).toMatchObject({ ok: false, error: { kind: 'incomplete-signature' } });
    expect(withAuth(auth.replace('/logs/', '/s3/'))).toMatchObject({ ok: false, error: { kind: 'invalid-signature', message: "Credential should be scoped to correct service: 'logs'. " } });
    expect(withAuth(auth.replace('/20240601/', '/20240602/'))).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(withAuth(auth.replace('aws4_request', 'aws5_request'))).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(withAuth(auth.replace('SignedHeaders=', 'SignedHeaders=x;'))).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(withAuth(auth.replace(/Signature=[0-9a-f]+/, 'Signature=abc'))).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(withAuth(auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=x-amz-date'))).toMatchObject({ ok: false, error: { kind: 'incomplete-signature' } });
    const noDate = { ...request.headers };
    delete noDate['x-amz-date'];
    expect(verify({ ...request, headers: noDate })).toMatchObject({ ok: false, error: { kind: 'incomplete-signature' } });
    expect(verify({ ...request, headers: { ...request.headers, 'x-amz-date': '20240231T120000Z' } })).toMatchObject({ ok: false, error: { kind: 'incomplete-signature' } });
    expect(verifySigV4({ ...request, credentials, nowMs, region: 'us-east-1' })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
  });

  it('canonicalizes the query and the path as SigV4 does for non-S3 services', () => {
    const sign = (path: string, query: string) => signSigV4({ method: 'GET', path, query, headers: { host: 'h' }, body: Buffer.alloc(0), accessKeyId: AKID, secretAccessKey: SECRET, region: 'r', service: 'logs', dateMs: nowMs });
    const headers = sign('/a/./b/../c', 'b=2&a=1&a=0&x=%20y');
    expect(verify({ method: 'GET', path: '/a/c', query: 'a=0&x=+y&b=2&a=1', headers, body: Buffer.alloc(0) }).ok).toBe(true);
  });
});

/** The SDK's own signer, captured on the wire: what the server sees is what it must accept. */
describe('verifySigV4 against requests signed by AWS SDK v3', () => {
  interface Captured {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: Buffer;
  }
  const captured: Captured[] = [];
  let server: Server;
  let client: CloudWatchLogsClient;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ method: req.method as string, url: req.url as string, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r' });
        res.end('{"logGroups":[]}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new CloudWatchLogsClient({ endpoint: `http://127.0.0.1:${port}`, region: 'ap-southeast-2', credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, maxAttempts: 1 });
    // A header with odd case and spacing, added before the signing step so that it is signed.
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = (args as { request: { headers: Record<string, string> } }).request;
        request.headers['X-Hidsmon-Test'] = '  spaced    out   value ';
        return next(args);
      },
      { step: 'build', name: 'oddHeader' },
    );
    await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'hids' }));
    await client.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: 1, message: 'ünïcödé "quoted" \n line' }] }));
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const asRequest = (c: Captured): SigV4Request => {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(c.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return { method: c.method, path: c.url, query: '', headers, body: c.body };
  };
  const signedAt = (c: Captured): number => {
    const d = String(c.headers['x-amz-date']);
    return Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
  };

  it('accepts both SDK requests and signs them identically', () => {
    expect(captured).toHaveLength(2);
    for (const c of captured) {
      const request = asRequest(c);
      expect(String(c.headers['authorization'])).toContain('x-hidsmon-test');
      expect(verifySigV4({ ...request, credentials, nowMs: signedAt(c) })).toMatchObject({ ok: true, value: { region: 'ap-southeast-2', service: 'logs' } });
      // Re-sign the same signed headers with the hand-built signer: same signature.
      const auth = String(c.headers['authorization']);
      const names = (/SignedHeaders=([^,]+)/.exec(auth)?.[1] ?? '').split(';');
      const headers: Record<string, string> = {};
      for (const name of names) if (name !== 'x-amz-date' && name !== 'x-amz-content-sha256') headers[name] = String(request.headers[name]);
      const mine = signSigV4({ method: c.method, path: c.url, query: '', headers, body: c.body, accessKeyId: AKID, secretAccessKey: SECRET, region: 'ap-southeast-2', service: 'logs', dateMs: signedAt(c), contentSha256: names.includes('x-amz-content-sha256') });
      expect(mine['authorization']).toBe(auth);
      expect(formatAmzDate(signedAt(c))).toBe(c.headers['x-amz-date']);
    }
  });

  it('refuses the SDK requests with a tampered body, a wrong secret or an unknown key', () => {
    const c = captured[1] as Captured;
    const request = asRequest(c);
    const tampered = Buffer.from(c.body);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 3) ^ 1, tampered.length - 3);
    expect(verifySigV4({ ...request, body: tampered, credentials, nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'content-sha256-mismatch' } });
    const withoutHash = { ...request.headers };
    delete withoutHash['x-amz-content-sha256'];
    expect(verifySigV4({ ...request, headers: withoutHash, body: tampered, credentials, nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verifySigV4({ ...request, credentials: () => 'other-secret', nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verifySigV4({ ...request, credentials: () => undefined, nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'unrecognized-client' } });
  });
});
