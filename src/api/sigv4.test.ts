import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWithBotocore, signWithSmithy } from '../testing/sigv4-signers.js';
import { formatAmzDate, MAX_CLOCK_SKEW_MS, verifySigV4, type SigV4Request } from './sigv4.js';

const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const credentials = (id: string): string | undefined => (id === AKID ? SECRET : undefined);

/**
 * AWS's published SigV4 test suite (aws-sig-v4-test-suite; no npm or PyPI package ships it, so the
 * two published signatures are written here): service `service`, 2015-08-30T12:36:00Z.
 */
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
  const suite = { credentials, nowMs, service: 'service', region: 'us-east-1' };

  it('accepts get-vanilla and get-vanilla-query-order-key-case', () => {
    expect(verifySigV4({ ...vector('', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'), ...suite })).toMatchObject({ ok: true, value: { accessKeyId: AKID, region: 'us-east-1' } });
    expect(verifySigV4({ ...vector('Param2=value2&Param1=value1', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'), ...suite }).ok).toBe(true);
  });

  it('refuses them with a changed query, or a server in another region', () => {
    expect(verifySigV4({ ...vector('Param1=value2', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'), ...suite })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verifySigV4({ ...vector('', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'), ...suite, region: 'eu-west-1' })).toEqual({
      ok: false,
      error: { kind: 'invalid-signature', message: "Credential should be scoped to a valid region, not 'us-east-1'. " },
    });
  });
});

describe('verifySigV4 with requests signed by @smithy/signature-v4', () => {
  const nowMs = Date.UTC(2024, 5, 1, 12, 0, 0);
  const region = 'eu-west-1';
  const body = Buffer.from('{"logGroupName":"g"}');
  type SignOptions = Omit<Partial<Parameters<typeof signWithSmithy>[0]>, 'headers'>;
  const signed = async (extra: Record<string, string> = {}, options: SignOptions = {}): Promise<SigV4Request> => ({
    method: options.method ?? 'POST',
    path: options.path ?? '/',
    query: '',
    body,
    headers: await signWithSmithy({
      body,
      headers: { host: '127.0.0.1:4588', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.DescribeLogGroups', ...extra },
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      region,
      dateMs: nowMs,
      ...options,
    }),
  });
  const verify = (request: SigV4Request, at = nowMs) => verifySigV4({ ...request, credentials, region, nowMs: at });

  it('accepts a correctly signed request, with or without x-amz-content-sha256', async () => {
    expect(verify(await signed())).toEqual({ ok: true, value: { accessKeyId: AKID, region, service: 'logs', signedAtMs: nowMs } });
    const noChecksum = await signed({}, { applyChecksum: false });
    expect(noChecksum.headers['x-amz-content-sha256']).toBeUndefined();
    expect(verify(noChecksum).ok).toBe(true);
  });

  it('does not care about header name case or repeated spaces in values', async () => {
    const request = await signed({ 'X-Custom-Header': '  a   b\t c  ' });
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k.toUpperCase()] = v;
    headers['X-CUSTOM-HEADER'] = 'a b c';
    expect(verify({ ...request, headers }).ok).toBe(true);
    headers['X-CUSTOM-HEADER'] = 'a bc';
    expect(verify({ ...request, headers })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
  });

  it('refuses a tampered body, a tampered signed header and a wrong secret', async () => {
    const request = await signed();
    expect(verify({ ...request, body: Buffer.from('{"logGroupName":"h"}') })).toMatchObject({ ok: false, error: { kind: 'content-sha256-mismatch' } });
    const noHash = await signed({}, { applyChecksum: false });
    expect(verify({ ...noHash, body: Buffer.from('{"logGroupName":"h"}') })).toEqual({
      ok: false,
      error: { kind: 'invalid-signature', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' },
    });
    expect(verify({ ...request, headers: { ...request.headers, 'x-amz-target': 'Logs_20140328.DeleteLogGroup' } })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verify(await signed({}, { secretAccessKey: 'wrong' }))).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verify({ ...request, method: 'PUT' })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verify({ ...request, path: '/other' })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
  });

  it('refuses unknown keys', async () => {
    expect(verify(await signed({}, { accessKeyId: 'AKIDUNKNOWN' }))).toEqual({ ok: false, error: { kind: 'unrecognized-client', message: 'The security token included in the request is invalid.' } });
  });

  it("allows AWS's 15 minutes of clock skew either way, and says which way it failed in AWS's words", async () => {
    expect(MAX_CLOCK_SKEW_MS).toBe(15 * 60_000);
    const request = await signed();
    expect(verify(request, nowMs + 15 * 60_000).ok).toBe(true);
    expect(verify(request, nowMs - 15 * 60_000).ok).toBe(true);
    expect(verify(request, nowMs + 16 * 60_000)).toEqual({ ok: false, error: { kind: 'clock-skew', message: 'Signature expired: 20240601T120000Z is now earlier than 20240601T120100Z (20240601T121600Z - 15 min.)' } });
    expect(verify(request, nowMs - 16 * 60_000)).toEqual({ ok: false, error: { kind: 'clock-skew', message: 'Signature not yet current: 20240601T120000Z is still later than 20240601T115900Z (20240601T114400Z + 15 min.)' } });
  });

  it('refuses a request whose X-Amz-Target is not among the signed headers', async () => {
    const request = await signed({}, { unsigned: ['x-amz-target'] });
    expect(request.headers['authorization']).not.toContain('x-amz-target');
    expect(verify(request)).toEqual({ ok: false, error: { kind: 'incomplete-signature', message: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization." } });
    // Taken off after signing, the signature still names it.
    const stripped = await signed();
    const headers = { ...stripped.headers };
    delete headers['x-amz-target'];
    expect(verify({ ...stripped, headers })).toEqual({ ok: false, error: { kind: 'incomplete-signature', message: "'x-amz-target' is named as a SignedHeader, but it does not exist in the HTTP request." } });
    // Signed without one at all, nothing is left unbound: the endpoint answers UnknownOperationException.
    const none = await signWithSmithy({ body, headers: { host: '127.0.0.1:4588' }, accessKeyId: AKID, secretAccessKey: SECRET, region, dateMs: nowMs });
    expect(verify({ method: 'POST', path: '/', query: '', headers: none, body }).ok).toBe(true);
  });

  it('refuses a credential scoped to another region or service', async () => {
    expect(verify(await signed({}, { region: 'us-west-2' }))).toEqual({ ok: false, error: { kind: 'invalid-signature', message: "Credential should be scoped to a valid region, not 'us-west-2'. " } });
    expect(verify(await signed({}, { service: 'ec2' }))).toEqual({ ok: false, error: { kind: 'invalid-signature', message: "Credential should be scoped to correct service: 'logs'. " } });
  });

  it('refuses missing and malformed authorization, and wrong scopes', async () => {
    const request = await signed();
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
    expect(withAuth(auth.replace('SignedHeaders=', 'SignedHeaders=x;'))).toEqual({ ok: false, error: { kind: 'incomplete-signature', message: "'x' is named as a SignedHeader, but it does not exist in the HTTP request." } });
    expect(withAuth(auth.replace(/Signature=[0-9a-f]+/, 'Signature=abc'))).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(withAuth(auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=x-amz-date;x-amz-target'))).toMatchObject({ ok: false, error: { kind: 'incomplete-signature', message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." } });
    expect(withAuth(auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=host;x-amz-target'))).toMatchObject({ ok: false, error: { kind: 'incomplete-signature', message: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization." } });
    const noDate = { ...request.headers };
    delete noDate['x-amz-date'];
    expect(verify({ ...request, headers: noDate })).toMatchObject({ ok: false, error: { kind: 'incomplete-signature' } });
    expect(verify({ ...request, headers: { ...request.headers, 'x-amz-date': '20240231T120000Z' } })).toMatchObject({ ok: false, error: { kind: 'incomplete-signature' } });
  });

  it('canonicalizes the path as SigV4 does for non-S3 services', async () => {
    // As in the SDK, the request's path is already percent-encoded and is encoded again to sign it.
    const request = await signed({}, { method: 'GET', path: '/a/b%20c/d' });
    expect(verify({ ...request, method: 'GET', path: '/a/b%20c/d' }).ok).toBe(true);
    expect(verify({ ...request, method: 'GET', path: '/a/./b%20c/e/../d' }).ok).toBe(true);
    expect(verify({ ...request, method: 'GET', path: '/a/b%20c/e' })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
  });

  it('canonicalizes the query as SigV4 does: sorted, decoded, escaped again', async () => {
    const request = await signed({}, { method: 'GET', query: { b: '2', a: ['1', '0'], x: ' y' } });
    expect(verify({ ...request, method: 'GET', query: 'a=0&x=+y&b=2&a=1' }).ok).toBe(true);
    expect(verify({ ...request, method: 'GET', query: 'a=0&x=%20y&b=2&a=1' }).ok).toBe(true);
    expect(verify({ ...request, method: 'GET', query: 'a=0&x=y&b=2&a=1' })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
  });
});

/** botocore (the AWS CLI's signer), run in python3: a second independent implementation. */
describe('verifySigV4 with requests signed by botocore', () => {
  it('accepts what botocore signs, and refuses it tampered or for another region', async () => {
    const body = Buffer.from('{"logGroupName":"hids-alerts","logStreamName":"i-0abc","logEvents":[{"timestamp":1,"message":"ünïcödé"}]}');
    const headers = await signWithBotocore({
      url: 'http://127.0.0.1:4588/',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Logs_20140328.PutLogEvents' },
      body,
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      region: 'eu-west-1',
    });
    expect(headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/logs\/aws4_request, SignedHeaders=[^,]*x-amz-target/);
    const request: SigV4Request = { method: 'POST', path: '/', query: '', headers: { ...headers, host: '127.0.0.1:4588' }, body };
    const nowMs = Date.now();
    expect(verifySigV4({ ...request, credentials, region: 'eu-west-1', nowMs })).toMatchObject({ ok: true, value: { accessKeyId: AKID, region: 'eu-west-1', service: 'logs' } });
    expect(verifySigV4({ ...request, credentials, region: 'us-east-1', nowMs })).toMatchObject({ ok: false, error: { kind: 'invalid-signature', message: "Credential should be scoped to a valid region, not 'eu-west-1'. " } });
    expect(verifySigV4({ ...request, body: Buffer.from(body.toString().replace('i-0abc', 'i-0abd')), credentials, region: 'eu-west-1', nowMs })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verifySigV4({ ...request, credentials, region: 'eu-west-1', nowMs: nowMs + 16 * 60_000 })).toMatchObject({ ok: false, error: { kind: 'clock-skew' } });
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

  it('accepts both SDK requests, X-Amz-Target signed', () => {
    expect(captured).toHaveLength(2);
    for (const c of captured) {
      const request = asRequest(c);
      expect(String(c.headers['authorization'])).toContain('x-hidsmon-test');
      expect(String(c.headers['authorization'])).toMatch(/SignedHeaders=[^,]*x-amz-target/);
      expect(verifySigV4({ ...request, credentials, region: 'ap-southeast-2', nowMs: signedAt(c) })).toMatchObject({ ok: true, value: { region: 'ap-southeast-2', service: 'logs' } });
      expect(formatAmzDate(signedAt(c))).toBe(c.headers['x-amz-date']);
    }
  });

  it('refuses the SDK requests with a tampered body, a wrong secret or an unknown key', () => {
    const c = captured[1] as Captured;
    const request = asRequest(c);
    const tampered = Buffer.from(c.body);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 3) ^ 1, tampered.length - 3);
    expect(verifySigV4({ ...request, body: tampered, credentials, region: 'ap-southeast-2', nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'content-sha256-mismatch' } });
    const withoutHash = { ...request.headers };
    delete withoutHash['x-amz-content-sha256'];
    expect(verifySigV4({ ...request, headers: withoutHash, body: tampered, credentials, region: 'ap-southeast-2', nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'incomplete-signature', message: "'x-amz-content-sha256' is named as a SignedHeader, but it does not exist in the HTTP request." } });
    expect(verifySigV4({ ...request, credentials: () => 'other-secret', region: 'ap-southeast-2', nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'invalid-signature' } });
    expect(verifySigV4({ ...request, credentials: () => undefined, region: 'ap-southeast-2', nowMs: signedAt(c) })).toMatchObject({ ok: false, error: { kind: 'unrecognized-client' } });
  });
});
