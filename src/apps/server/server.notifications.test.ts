/**
 * Notifications in a running server: `notifications:` in its configuration, a detection handed to
 * `detections.notify` (what the rule engine's onDetection hook calls) reaches a local webhook
 * receiver signed and with a Discover link to this server, a second detection of the same rule and
 * group is suppressed, and a channel that keeps failing is retried while PutLogEvents and indexing
 * go on undelayed. GET /api/notifications shows every attempt.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../notify/webhook-signature.js';
import { sampleDetection } from '../../testing/detections.js';
import { startServer, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-server-notify-'));
const KEY = { id: 'AKIAHIDSMONNOTIFY001', secret: 'notify-test-secret-0123456789', profile: 'admin' as const };
const TOKEN = 'notify-test-api-token-0123456789abcdef';
const SECRET = 'whsec-server-test-0123456789';

let good: Server;
let broken: Server;
const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
let brokenCalls = 0;
let server: RunningServer;

function listen(handler: (req: IncomingMessage, body: string) => number): Promise<Server> {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.writeHead(handler(req, Buffer.concat(chunks).toString('utf8'))).end());
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}
const urlOf = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;

beforeAll(async () => {
  good = await listen((req, body) => (received.push({ headers: req.headers, body }), 200));
  broken = await listen(() => (brokenCalls++, 503));
  const config: ServerConfig = {
    ...DEFAULTS,
    port: 0,
    dataDir: join(tmp, 'data'),
    accessKeys: [KEY],
    apiTokens: [TOKEN],
    notifications: {
      throttleMinutes: 10,
      channels: [
        { id: 'soc', type: 'webhook', url: urlOf(good), secret: SECRET },
        { id: 'down', type: 'webhook', url: urlOf(broken), secret: SECRET },
      ],
      routes: [{ channels: ['soc', 'down'] }],
    },
  };
  server = await startServer(config, { logger: pino({ level: 'silent' }) });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  good?.close();
  broken?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('server: notifications', () => {
  it('sends a detection to the webhook signed, suppresses a repeat, retries the failing channel, and indexing goes on meanwhile', { timeout: 60_000 }, async () => {
    const detection = sampleDetection();
    server.detections.notify(detection);
    server.detections.notify(sampleDetection({ id: 'det-repeat' }));

    // PutLogEvents and indexing while the broken channel is failing and being retried.
    const cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
    await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0abc' }));
    const started = performance.now();
    await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0abc', logEvents: [{ timestamp: Date.now(), message: '{"rule":{"level":5}}' }] }));
    expect(await server.forwarder.drained(10_000)).toBe(true);
    // Generous: the point is that it does not wait for the failing channel's retries (seconds apart).
    expect(performance.now() - started).toBeLessThan(5000);
    cw.destroy();

    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(verifyWebhookSignature(SECRET, body, headers[SIGNATURE_HEADER] as string, Date.now())).toMatchObject({ kind: 'valid' });
    const json = JSON.parse(body) as { detection: { id: string }; discover_url: string };
    expect(json.detection.id).toBe(detection.id);
    expect(json.discover_url.startsWith(`${server.url}/discover?`)).toBe(true);

    for (let i = 0; i < 100 && brokenCalls < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(brokenCalls).toBeGreaterThanOrEqual(2);

    const response = await fetch(`${server.url}/api/notifications`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const log = (await response.json()) as { configured: boolean; attempts: Array<{ channel: string; result: string; detection_id: string; error?: string }> };
    expect(log.configured).toBe(true);
    expect(log.attempts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'soc', result: 'sent', detection_id: detection.id }),
        expect.objectContaining({ channel: 'down', result: 'retrying', detection_id: detection.id, error: expect.stringMatching(/HTTP 503/) }),
        expect.objectContaining({ channel: 'soc', result: 'suppressed', detection_id: 'det-repeat' }),
      ]),
    );
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/hidsmon_notification_attempts_total\{channel_kind="webhook",result="sent"\} 1/);
  });
});

describe('server: notifications settings that cannot work', () => {
  it('a missing ca_file stops the start with its name, before the server listens', async () => {
    const config: ServerConfig = {
      ...DEFAULTS,
      port: 0,
      dataDir: join(tmp, 'data-bad-ca'),
      accessKeys: [KEY],
      apiTokens: [TOKEN],
      notifications: { throttleMinutes: 10, channels: [{ id: 'mail', type: 'email', host: 'smtp.example.com', port: 587, from: 'a@example.com', to: ['b@example.com'], caFile: join(tmp, 'no-such-ca.pem') }], routes: [{ channels: ['mail'] }] },
    };
    await expect(startServer(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(/notifications: channel mail: ca_file .*no-such-ca\.pem cannot be read/);
  });
});
