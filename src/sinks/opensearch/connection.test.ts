import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifySigV4 } from '../../api/sigv4.js';
import { awsEndpointAuth, dailyIndexName, indexPattern, openSearchClient, physicalDailyIndex, resolveAuth } from './connection.js';

describe('auth from the endpoint', () => {
  it('signs for Amazon OpenSearch Service (es) and Serverless (aoss), region from the host name', () => {
    expect(awsEndpointAuth('https://search-hids-abc123.eu-west-1.es.amazonaws.com')).toEqual({ kind: 'sigv4', service: 'es', region: 'eu-west-1' });
    expect(awsEndpointAuth('https://vpc-hids-x.us-gov-west-1.es.amazonaws.com:443/')).toEqual({ kind: 'sigv4', service: 'es', region: 'us-gov-west-1' });
    expect(awsEndpointAuth('https://a1b2c3.us-east-1.aoss.amazonaws.com')).toEqual({ kind: 'sigv4', service: 'aoss', region: 'us-east-1' });
    expect(awsEndpointAuth('https://search-d.cn-north-1.es.amazonaws.com.cn')).toEqual({ kind: 'sigv4', service: 'es', region: 'cn-north-1' });
  });

  it('sends nothing extra to any other host, and an explicit choice wins', () => {
    expect(awsEndpointAuth('http://127.0.0.1:9200')).toBeUndefined();
    expect(awsEndpointAuth('https://es.amazonaws.com.example.org')).toBeUndefined();
    expect(awsEndpointAuth('not a url')).toBeUndefined();
    expect(resolveAuth({ url: 'http://localhost:9200' })).toEqual({ kind: 'none' });
    expect(resolveAuth({ url: 'https://x.eu-west-1.es.amazonaws.com', auth: { kind: 'none' } })).toEqual({ kind: 'none' });
    expect(resolveAuth({ url: 'http://proxy.internal:9200', auth: { kind: 'sigv4', service: 'aoss', region: 'eu-central-1' } })).toMatchObject({ service: 'aoss' });
  });

  it('names daily indices under the prefix', () => {
    expect(indexPattern({})).toBe('cwl-*');
    expect(indexPattern({ indexPrefix: 'hids-' })).toBe('hids-*');
    expect(dailyIndexName('hids-', Date.UTC(2024, 0, 9, 23, 59))).toBe('hids-2024.01.09');
    expect(physicalDailyIndex('hids-', 'cwl-2024.01.09')).toBe('hids-2024.01.09');
    expect(physicalDailyIndex('hids-', 'hids-2024.01.09')).toBe('hids-2024.01.09');
    expect(physicalDailyIndex('cwl-', 'cwl-2024.01.09')).toBe('cwl-2024.01.09');
    expect(physicalDailyIndex('hids-', 'cwl-2024.13.09')).toBeUndefined();
    expect(physicalDailyIndex('hids-', 'other')).toBeUndefined();
  });
});

interface Received {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** A loopback stand-in for an OpenSearch endpoint that records each request as it came over the wire. */
async function recordingServer(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? 'GET', path, query, headers, body });
      res.setHeader('content-type', 'application/json');
      if (path === '/_bulk') {
        const items = body.toString('utf8').trim().split('\n').filter((_, i) => i % 2 === 0).map(() => ({ create: { status: 201 } }));
        res.end(JSON.stringify({ took: 1, errors: false, items }));
      } else res.end(JSON.stringify({ version: { number: '2.19.6', distribution: 'opensearch' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}

describe('SigV4 signing (AwsSigv4Signer, credentials from the AWS default chain)', () => {
  const KEY = 'AKIAHIDSMONTEST00001';
  const SECRET = 'hidsmon/test/secret/key/0123456789abcdefgh';
  const saved: Record<string, string | undefined> = {};
  const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];
  let endpoint: Awaited<ReturnType<typeof recordingServer>>;

  beforeAll(async () => {
    for (const k of ENV) saved[k] = process.env[k];
    for (const k of ENV) delete process.env[k];
    // Fixed credentials in the environment: the first link of the default chain.
    process.env['AWS_ACCESS_KEY_ID'] = KEY;
    process.env['AWS_SECRET_ACCESS_KEY'] = SECRET;
    process.env['AWS_CONFIG_FILE'] = '/nonexistent/hidsmon-test-config';
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/hidsmon-test-credentials';
    endpoint = await recordingServer();
  });
  afterAll(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
  });
  afterEach(() => {
    endpoint.received.length = 0;
  });

  for (const service of ['es', 'aoss'] as const) {
    it(`signs requests for ${service} so that a SigV4 verifier accepts them, body hash included`, async () => {
      const client = openSearchClient({ url: endpoint.url, auth: { kind: 'sigv4', service, region: 'eu-west-1' } });
      try {
        await client.info();
        const body = `${JSON.stringify({ create: { _index: 'cwl-2024.01.01', _id: 'a' } })}\n${JSON.stringify({ full_log: 'Ünïcode ✓' })}\n`;
        await client.bulk({ body: body as never });
      } finally {
        await client.close();
      }
      expect(endpoint.received.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /', 'POST /_bulk']);
      for (const request of endpoint.received) {
        const verified = verifySigV4({ ...request, credentials: (id) => (id === KEY ? SECRET : undefined), nowMs: Date.now(), service, region: 'eu-west-1' });
        expect(verified).toMatchObject({ ok: true, value: { accessKeyId: KEY, service, region: 'eu-west-1' } });
        // Serverless refuses a request without the body's hash; it must be the hash of the bytes sent.
        expect(request.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(request.body).digest('hex'));
        expect(request.headers['authorization']).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
        expect(request.headers['transfer-encoding']).toBeUndefined();
      }
      // The verifier can fail: another secret, another service.
      const bulk = endpoint.received[1] as Received;
      expect(verifySigV4({ ...bulk, credentials: () => `${SECRET}x`, nowMs: Date.now(), service, region: 'eu-west-1' }).ok).toBe(false);
      expect(verifySigV4({ ...bulk, credentials: () => SECRET, nowMs: Date.now(), service: service === 'es' ? 'aoss' : 'es', region: 'eu-west-1' }).ok).toBe(false);
    });
  }

  it('sends basic auth when asked, and no Authorization at all by default', async () => {
    const basic = openSearchClient({ url: endpoint.url, auth: { kind: 'basic', username: 'hids', password: 'p:w' } });
    const none = openSearchClient({ url: endpoint.url });
    try {
      await basic.info();
      await none.info();
    } finally {
      await basic.close();
      await none.close();
    }
    expect(endpoint.received.map((r) => r.headers['authorization'])).toEqual([`Basic ${Buffer.from('hids:p:w').toString('base64')}`, undefined]);
  });
});
