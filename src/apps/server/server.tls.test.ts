/**
 * HTTPS end to end: `tls: auto` makes a certificate that the real AWS SDK v3 client trusts as its
 * CA and ships over; the query API answers over HTTPS with a Secure cookie and HSTS; plain HTTP
 * on the same port is redirected or refused; `tls: {cert, key}` serves the operator's files.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudWatchLogsClient } from '../../agent/cloudwatch-client.js';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { startServer, TlsSetupError, type RunningServer } from './server.js';
import { AUTO_CERT_FILE, AUTO_KEY_FILE, RENEW_BEFORE_MS } from './tls.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-tls-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = { id: 'AKIAHIDSMONTLSTEST01', secret: 'tls-test-secret-0123456789abcdef' };
const TOKEN = 'tls-test-api-token-0123456789abcdef';
const logger = pino({ level: 'silent' });

function config(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir: join(tmp, `data-${Math.random().toString(36).slice(2)}`), accessKeys: [KEY], apiTokens: [TOKEN], ...overrides } as ServerConfig;
}

/** An HTTPS request trusting `ca` only: what a shipper or curl --cacert does. */
function get(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers, agent: new Agent({ ca }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tls: auto', () => {
  let server: RunningServer;
  let ca: string;

  beforeAll(async () => {
    server = await startServer(config({ tls: { mode: 'auto' } }), { logger });
    ca = readFileSync(join(server.config.dataDir, AUTO_CERT_FILE), 'utf8');
  });
  afterAll(() => server?.stop());

  it('makes a certificate and key 0600 in the data directory, naming loopback, and says its fingerprint', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    for (const file of [AUTO_CERT_FILE, AUTO_KEY_FILE]) expect(statSync(join(server.config.dataDir, file)).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(ca);
    expect(server.tls?.fingerprint256).toBe(cert.fingerprint256);
    expect(server.tls?.generated?.reason).toBe('none existed');
    for (const name of ['localhost']) expect(cert.checkHost(name)).toBe(name);
    for (const ip of ['127.0.0.1', '::1']) expect(cert.checkIP(ip)).toBe(ip);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeGreaterThan(300 * 86_400_000);
  });

  it('ships with the AWS SDK v3 client trusting the generated certificate, and the alerts are searchable over HTTPS', async () => {
    const client = createCloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1, ca });
    try {
      await client.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
      await client.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0e427a8594852eca2' }));
      const message = JSON.stringify({ rule: { level: 10, comment: 'shipped over TLS', sidid: 5712 }, id: '1700000000.1', srcip: '10.10.10.10', full_log: 'over tls' });
      await client.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0e427a8594852eca2', logEvents: [{ timestamp: Date.now(), message }] }));
    } finally {
      client.destroy();
    }
    expect(await server.forwarder.drained(20_000)).toBe(true);
    const search = await new Promise<{ status: number; json: any }>((resolve, reject) => {
      const body = JSON.stringify({ query: 'rule.comment:"shipped over TLS"', from: 'now-1h', to: 'now+1h' });
      const req = httpsRequest(`${server.url}/api/search`, { method: 'POST', ca, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(search.status).toBe(200);
    expect(search.json.total).toBe(1);
  });

  it('the AWS CLI trusts it with --ca-bundle and reads the log group the SDK made', async () => {
    const caFile = join(server.config.dataDir, AUTO_CERT_FILE);
    const env = { PATH: process.env['PATH'] ?? '', HOME: tmp, AWS_CONFIG_FILE: join(tmp, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-aws-credentials'), AWS_MAX_ATTEMPTS: '1', AWS_ACCESS_KEY_ID: KEY.id, AWS_SECRET_ACCESS_KEY: KEY.secret, AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
    // Asynchronously: the server answering it runs in this process.
    const { stdout } = await promisify(execFile)('aws', ['logs', 'describe-log-groups', '--endpoint-url', server.url, '--ca-bundle', caFile, '--output', 'json'], { env, timeout: 60_000, encoding: 'utf8' });
    expect(JSON.parse(stdout).logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toContain('hids-alerts');
  });

  it('a client that does not trust the certificate is refused by its own TLS check', async () => {
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('sends HSTS and marks the session cookie Secure', async () => {
    const health = await get(`${server.url}/healthz`, ca);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    const login = await get(server.newLoginUrl(), ca);
    expect([302, 303]).toContain(login.status);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/HttpOnly/);
  });

  it('plain HTTP to the TLS port: GET is redirected to https, a POST refused with a 400 naming the https URL', async () => {
    const plain = (method: string, path: string): Promise<{ status: number; location?: string; body: string; connection?: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { Host: `127.0.0.1:${server.port}` } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}), ...(res.headers.connection ? { connection: res.headers.connection } : {}) }));
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '{}' : undefined);
      });
    const get = await plain('GET', '/discover?q=1');
    expect(get.status).toBe(308);
    expect(get.location).toBe(`https://127.0.0.1:${server.port}/discover?q=1`);
    expect(get.connection).toBe('close');
    const post = await plain('POST', '/');
    expect(post.status).toBe(400);
    expect(post.body).toContain(`use https://127.0.0.1:${server.port}/`);
    expect(post.location).toBeUndefined();
  });

  it('a raw socket speaking neither HTTP nor TLS is closed, and the server goes on serving', async () => {
    const closed = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write('\x00\x01garbage\r\n\r\n'));
      let got = '';
      socket.on('data', (c) => (got += c));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 8000).unref();
    });
    expect(closed).toMatch(/^HTTP\/1\.1 400/);
    expect((await get(`${server.url}/healthz`, ca)).status).toBe(200);
  });

  it('is reused on the next start, and renewed when it is near expiry', async () => {
    const dataDir = server.config.dataDir;
    const fingerprint = server.tls?.fingerprint256;
    const pin = server.tls?.spkiSha256;
    await server.stop();
    server = await startServer(config({ dataDir, tls: { mode: 'auto' } }), { logger });
    expect(server.tls?.fingerprint256).toBe(fingerprint);
    expect(server.tls?.generated).toBeUndefined();
    await server.stop();
    // 340 days on: less than 30 days left.
    const later = Date.now() + 365 * 86_400_000 - RENEW_BEFORE_MS + 86_400_000;
    server = await startServer(config({ dataDir, tls: { mode: 'auto' } }), { logger, now: () => later });
    expect(server.tls?.fingerprint256).not.toBe(fingerprint);
    expect(server.tls?.generated?.reason).toMatch(/expired within \d+ days/);
    // The same key: a pin on it (Chromium's SPKI list) still holds.
    expect(server.tls?.spkiSha256).toBe(pin);
    expect(new Date(new X509Certificate(readFileSync(join(dataDir, AUTO_CERT_FILE))).validTo).getTime()).toBeGreaterThan(later + 300 * 86_400_000);
    expect(statSync(join(dataDir, AUTO_KEY_FILE)).mode & 0o777).toBe(0o600);
  });
});

describe('without tls', () => {
  it('plain HTTP as before: no HSTS, and a cookie without Secure (a browser would not send it over http)', async () => {
    const server = await startServer(config(), { logger });
    try {
      expect(server.url).toMatch(/^http:/);
      expect(server.tls).toBeUndefined();
      const health = await fetch(`${server.url}/healthz`);
      expect(health.headers.get('strict-transport-security')).toBeNull();
      const login = await fetch(server.newLoginUrl(), { redirect: 'manual' });
      expect(login.headers.get('set-cookie')).not.toMatch(/Secure/);
    } finally {
      await server.stop();
    }
  });
});

/** A certificate and key made with openssl, as an operator's would be. */
function opensslPair(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  chmodSync(key, 0o600);
  return { cert, key };
}

describe('tls: {cert, key}', () => {
  const dir = mkdtempSync(join(tmp, 'files-'));
  const a = opensslPair(dir, 'a');
  const b = opensslPair(dir, 'b');

  it('serves the given certificate', async () => {
    const server = await startServer(config({ tls: { mode: 'files', certFile: a.cert, keyFile: a.key } }), { logger });
    try {
      expect(server.url).toMatch(/^https:/);
      const response = await get(`${server.url}/healthz`, readFileSync(a.cert, 'utf8'));
      expect(response.status).toBe(200);
      expect(server.tls?.fingerprint256).toBe(new X509Certificate(readFileSync(a.cert)).fingerprint256);
      expect(server.tls?.generated).toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it('serves replaced files (a renewed certificate) from the next handshake on, without a restart', async () => {
    const c = opensslPair(dir, 'c');
    const d = opensslPair(dir, 'd');
    const server = await startServer(config({ tls: { mode: 'files', certFile: c.cert, keyFile: c.key } }), { logger, tlsRefreshIntervalMs: 100 });
    const served = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: server.port, servername: 'localhost', rejectUnauthorized: false }, () => {
          resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
          socket.destroy();
        });
        socket.on('error', reject);
      });
    try {
      const before = new X509Certificate(readFileSync(c.cert)).fingerprint256;
      expect(await served()).toBe(before);
      // What certbot's renewal does: new files at the same paths.
      writeFileSync(c.key, readFileSync(d.key));
      writeFileSync(c.cert, readFileSync(d.cert));
      const after = new X509Certificate(readFileSync(d.cert)).fingerprint256;
      await expect.poll(served, { timeout: 10_000, interval: 100 }).toBe(after);
      expect(server.tls?.fingerprint256).toBe(after);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start, with every reason: a missing certificate, a key that is not the certificate\'s', async () => {
    const missing = startServer(config({ tls: { mode: 'files', certFile: join(dir, 'nope.pem'), keyFile: a.key } }), { logger });
    await expect(missing).rejects.toThrow(TlsSetupError);
    await expect(missing).rejects.toThrow(/tls\.cert: .*nope\.pem does not exist/);
    await expect(startServer(config({ tls: { mode: 'files', certFile: a.cert, keyFile: b.key } }), { logger })).rejects.toThrow(/tls\.key: .*b-key\.pem is not the key of the certificate .*a-cert\.pem/);
  });
});
