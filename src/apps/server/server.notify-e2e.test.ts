/**
 * From alerts to a notification, end to end with real parts: the simulator's ssh-brute-force and
 * port-scan scenarios shipped with the AWS SDK v3 client → durable log → forwarder → embedded
 * index → the rule engine → the DetectionStore → the dispatcher → a local webhook receiver and a
 * local Slack receiver. Every stored detection is notified once to the webhook (signed, its body
 * the stored detection) within the throttle's rules, and the Slack message escapes alert values.
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
import { throttleKey } from '../../notify/dispatcher.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../notify/webhook-signature.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { startServer, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-notify-e2e-'));
const KEY = { id: 'AKIAHIDSMONNOTIFYE2E', secret: 'notify-e2e-secret-0123456789', profile: 'admin' as const };
const SECRET = 'whsec-e2e-0123456789abcdef';

const hooks: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
const slack: string[] = [];
let receivers: Server[] = [];
let server: RunningServer;

function receiver(into: (req: IncomingMessage, body: string) => void): Promise<Server> {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      into(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end('ok');
    });
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}
const urlOf = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;

beforeAll(async () => {
  const hook = await receiver((req, body) => hooks.push({ headers: req.headers, body }));
  const chat = await receiver((_, body) => slack.push(body));
  receivers = [hook, chat];
  const config: ServerConfig = {
    ...DEFAULTS,
    port: 0,
    dataDir: join(tmp, 'data'),
    accessKeys: [KEY],
    apiTokens: ['notify-e2e-api-token-0123456789abcdef'],
    notifications: {
      throttleMinutes: 60,
      channels: [
        { id: 'soc', type: 'webhook', url: urlOf(hook), secret: SECRET },
        { id: 'chat', type: 'slack', webhookUrl: urlOf(chat) },
      ],
      routes: [{ channels: ['soc'] }, { channels: ['chat'], severities: ['high', 'critical'] }],
    },
  };
  server = await startServer(config, { logger: pino({ level: 'silent' }) });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  for (const r of receivers) r.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('alerts → detection → notification', () => {
  it('notifies each detection of the simulated attacks once per rule and group, signed, and Slack gets the high ones escaped', { timeout: 120_000 }, async () => {
    const sim = new FleetSimulator({ hosts: 3, seed: 7, ratePerSec: 2, startMs: Date.now() - 2 * 3_600_000, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.25 });
    const alerts = Array.from({ length: 1500 }, () => sim.next());
    const cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
    for (const host of sim.hosts) await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: host.instanceId }));
    for (let i = 0; i < alerts.length; i += 250) {
      const round = alerts.slice(i, i + 250);
      for (const host of sim.hosts) {
        const mine = round.filter((a) => a.host === host);
        if (mine.length > 0) await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: host.instanceId, logEvents: mine.map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })) }));
      }
    }
    cw.destroy();
    expect(await server.forwarder.drained(60_000)).toBe(true);
    await server.detectionEngine.runner?.idle();
    await server.detections.dispatcher?.idle();

    const stored = (await server.detections.store.list({ limit: 1000 })).detections;
    expect(stored.length).toBeGreaterThan(0);
    expect(new Set(stored.map((d) => d.rule.id))).toContain('builtin.ssh-brute-force');

    // Once per rule and group within the throttle: the first detection of each key is sent, the rest suppressed.
    const keys = new Set(stored.map(throttleKey));
    expect(hooks.length).toBe(keys.size);
    const sentIds = new Set<string>();
    for (const { headers, body } of hooks) {
      expect(verifyWebhookSignature(SECRET, body, headers[SIGNATURE_HEADER] as string, Date.now())).toMatchObject({ kind: 'valid' });
      const json = JSON.parse(body) as { detection: { id: string; rule: { id: string }; count: number; hosts: string[] } };
      const match = stored.find((d) => d.id === json.detection.id);
      expect(match, json.detection.id).toBeDefined();
      expect(json.detection).toMatchObject({ rule: { id: match!.rule.id }, count: match!.count, hosts: match!.hosts });
      sentIds.add(json.detection.id);
    }
    expect(sentIds.size).toBe(hooks.length);
    const stats = server.detections.view.stats();
    expect(stats.failed).toBe(0);

    const high = stored.filter((d) => d.rule.severity === 'high' || d.rule.severity === 'critical');
    expect(slack.length).toBe(new Set(high.map(throttleKey)).size);
    for (const message of slack) {
      const parsed = JSON.parse(message) as { text: string; blocks: unknown[] };
      expect(parsed.blocks.length).toBeGreaterThan(1);
      // Whatever the alerts held, no Slack control sequence but our one link survives.
      const controls = [...JSON.stringify(parsed.blocks).matchAll(/<([^>]*)>/g)].map((m) => m[1]!);
      expect(controls).toHaveLength(1);
      expect(controls[0]!.startsWith(`${server.url}/discover?`)).toBe(true);
    }
  });
});
