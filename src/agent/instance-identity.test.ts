import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchInstanceId } from './instance-identity.js';
import { pino } from 'pino';
import { hostname } from 'node:os';
import { resolveLogStream } from './agent.js';
import { loadAgentConfig } from './config.js';
import { renderStreamName } from './stream-name.js';

/** A loopback stand-in for EC2's IMDSv2 (EC2 itself is out of reach here): a token by PUT, the id only with it. */
async function imdsEmulator(behaviour: 'ok' | 'hang' | 'v1-only'): Promise<{ url: string; requests: IncomingMessage[]; server: Server }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    if (behaviour === 'hang') return; // never answers: the agent's timeout must end the wait
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (behaviour === 'v1-only' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.writeHead(403).end();
      return void res.writeHead(200).end('TOKEN-123');
    }
    if (req.method === 'GET' && req.url === '/latest/meta-data/instance-id') {
      if (req.headers['x-aws-ec2-metadata-token'] !== 'TOKEN-123') return void res.writeHead(401).end();
      return void res.writeHead(200).end('i-0abc1234def567890');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

let running: Server | undefined;
afterEach(async () => {
  running?.closeAllConnections();
  await new Promise((done) => running?.close(done) ?? done(undefined));
  running = undefined;
});

describe('instance identity (IMDSv2)', () => {
  it('asks for a session token by PUT, then the instance id with that token', async () => {
    const imds = await imdsEmulator('ok');
    running = imds.server;
    const result = await fetchInstanceId({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }, timeoutMs: 2000 });
    expect(result).toEqual({ ok: true, value: 'i-0abc1234def567890' });
    expect(imds.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /latest/api/token', 'GET /latest/meta-data/instance-id']);
    expect(imds.requests[1]?.headers['x-aws-ec2-metadata-token']).toBe('TOKEN-123');
  });

  it('gives up after the timeout when metadata does not answer', async () => {
    const imds = await imdsEmulator('hang');
    running = imds.server;
    const started = Date.now();
    const result = await fetchInstanceId({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }, timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, error: { code: 'IMDS_UNREACHABLE', message: expect.stringContaining('200 ms') } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('says so when the token is refused (IMDSv1-only emulation) or metadata is disabled', async () => {
    const imds = await imdsEmulator('v1-only');
    running = imds.server;
    expect(await fetchInstanceId({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }, timeoutMs: 2000 })).toMatchObject({ ok: false, error: { code: 'IMDS_REFUSED' } });
    expect(await fetchInstanceId({ env: { AWS_EC2_METADATA_DISABLED: 'true', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }, timeoutMs: 2000 })).toMatchObject({ ok: false, error: { code: 'IMDS_DISABLED' } });
    expect(imds.requests).toHaveLength(1); // the disabled look-up asked nothing
  });

  it('fills the stream template', () => {
    expect(renderStreamName('{hostname}/{instance_id}', { instanceId: 'i-1', hostname: 'web:1' })).toBe('web_1/i-1');
  });

  it('the stream: {instance_id} from IMDSv2; when metadata times out, the host name, or a clear refusal under instance_id_fallback: fail', async () => {
    const config = (extra: string) => {
      const loaded = loadAgentConfig({ name: 'agent.yaml', text: `inputs: [a.json]\nlog_stream: "{instance_id}/alerts"\nimds_timeout_ms: 200\n${extra}` });
      if (!loaded.ok) throw new Error(loaded.error.join('; '));
      return loaded.value;
    };
    const log = pino({ level: 'silent' });
    const good = await imdsEmulator('ok');
    try {
      expect(await resolveLogStream(config(''), { AWS_EC2_METADATA_SERVICE_ENDPOINT: good.url }, log)).toEqual({ ok: true, value: 'i-0abc1234def567890/alerts' });
    } finally {
      good.server.close();
    }
    const imds = await imdsEmulator('hang');
    running = imds.server;
    const env = { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url };
    expect(await resolveLogStream(config(''), env, log)).toEqual({ ok: true, value: `${hostname()}/alerts` });
    const refused = await resolveLogStream(config('instance_id_fallback: fail'), env, log);
    expect(refused).toMatchObject({ ok: false, error: { code: 'IMDS_UNREACHABLE', message: expect.stringContaining('instance_id_fallback: fail') } });
  });
});
