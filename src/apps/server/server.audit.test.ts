/**
 * The audit log end to end: CloudWatch Logs changes made through the real AWS SDK v3 client appear
 * in GET /api/audit with the key id, the peer's address and the outcome, survive a restart, and
 * show on /api/ingest beside the log group they change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, DeleteLogGroupCommand, PutRetentionPolicyCommand, PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { startServer, EMBEDDED_DESTINATION, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-server-audit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = { id: 'AKIAHIDSMONAUDIT0001', secret: 'audit-test-secret-0123456789', profile: 'admin' as const };
const AGENT = { id: 'AKIAHIDSMONAGENT0001', secret: 'audit-agent-secret-0123456789', profile: 'agent' as const };
const TOKEN = 'audit-test-api-token-0123456789abcdef';
const logger = pino({ level: 'silent' });
const config: ServerConfig = { ...DEFAULTS, port: 0, dataDir: join(tmp, 'data'), accessKeys: [KEY, AGENT], apiTokens: [TOKEN] };

async function get(server: RunningServer, path: string): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, json: await response.json() };
}

describe('server: the audit log', () => {
  let server: RunningServer | undefined;
  afterAll(async () => void (await server?.stop()));

  it('records CloudWatch Logs changes with who, from where, what and the outcome, and keeps them across a restart', async () => {
    server = await startServer(config, { logger });
    const cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
    await cw.send(new PutRetentionPolicyCommand({ logGroupName: 'hids-alerts', retentionInDays: 1 }));
    await cw.send(new PutSubscriptionFilterCommand({ logGroupName: 'hids-alerts', filterName: 'quiet', filterPattern: 'zz-never-matches-zz', destinationArn: EMBEDDED_DESTINATION }));
    // A change that fails is recorded as failed, with AWS's reason.
    await expect(cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }))).rejects.toThrow(/already exists/);

    // /api/ingest shows the changes beside the group they decide the indexing of.
    await server.audit.flushed();
    const ingest = await get(server, '/api/ingest');
    const group = ingest.json.log_groups.find((g: { name: string }) => g.name === 'hids-alerts');
    expect(group).toMatchObject({ exists: true, retention_days: 1, subscription_filters: [{ name: 'quiet', pattern: 'zz-never-matches-zz', destination: EMBEDDED_DESTINATION }] });
    expect(group.recent_changes.map((c: { action: string }) => c.action)).toEqual(['logs:PutSubscriptionFilter', 'logs:PutRetentionPolicy']);
    expect(group.recent_changes[0]).toMatchObject({ actor: { kind: 'access-key', id: KEY.id }, outcome: 'allowed', detail: { filterPattern: 'zz-never-matches-zz' } });

    // An agent key may not blind the monitor; the refusal is on the trail too.
    const agent = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: AGENT.id, secretAccessKey: AGENT.secret }, maxAttempts: 1 });
    await expect(agent.send(new PutSubscriptionFilterCommand({ logGroupName: 'hids-alerts', filterName: 'x', filterPattern: 'zz', destinationArn: EMBEDDED_DESTINATION }))).rejects.toThrow(/not authorized/);
    agent.destroy();
    await server.audit.flushed();
    const denied = await get(server, `/api/audit?actor=${AGENT.id}`);
    expect(denied.json.entries).toHaveLength(1);
    expect(denied.json.entries[0]).toMatchObject({ actor: { kind: 'access-key', id: AGENT.id }, action: 'logs:PutSubscriptionFilter', outcome: 'denied' });
    expect(denied.json.entries[0].message).toMatch(/is not authorized to perform: logs:PutSubscriptionFilter/);
    expect(denied.json.entries[0].source_ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);

    await cw.send(new DeleteLogGroupCommand({ logGroupName: 'hids-alerts' }));
    cw.destroy();
    await server.audit.flushed();

    const { status, json } = await get(server, `/api/audit?actor=${KEY.id}`);
    expect(status).toBe(200);
    const actions = json.entries.map((e: { action: string; outcome: string }) => `${e.action} ${e.outcome}`);
    expect(actions).toEqual(['logs:DeleteLogGroup allowed', 'logs:CreateLogGroup failed', 'logs:PutSubscriptionFilter allowed', 'logs:PutRetentionPolicy allowed', 'logs:CreateLogGroup allowed']);
    for (const entry of json.entries) {
      expect(entry.actor).toMatchObject({ kind: 'access-key', id: KEY.id });
      expect(entry.source_ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(entry.resource).toContain(':log-group:hids-alerts');
      expect(typeof entry.request_id).toBe('string');
      expect(Date.parse(entry.time)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(json.entries[1].message).toMatch(/ResourceAlreadyExistsException/);
    expect(json.entries[3].detail).toMatchObject({ retentionInDays: 1 });
    expect(json.dropped).toBe(0);

    // Filters and paging through the API.
    expect((await get(server, '/api/audit?action=logs:Put*')).json.entries).toHaveLength(3);
    expect((await get(server, '/api/audit?action=logs:Put*&outcome=allowed')).json.entries).toHaveLength(2);
    expect((await get(server, '/api/audit?outcome=failed')).json.entries).toHaveLength(1);
    expect((await get(server, `/api/audit?actor=${KEY.id}&q=zz-never`)).json.entries.map((e: { action: string }) => e.action)).toEqual(['logs:PutSubscriptionFilter']);
    expect((await get(server, '/api/audit?actor=someone-else')).json.entries).toEqual([]);
    const first = await get(server, `/api/audit?limit=3&actor=${KEY.id}`);
    expect(first.json.entries).toHaveLength(3);
    const second = await get(server, `/api/audit?limit=3&actor=${KEY.id}&cursor=${encodeURIComponent(first.json.next_cursor)}`);
    expect(second.json.entries.map((e: { id: number }) => e.id)).toEqual([2, 1]);
    expect(second.json.next_cursor).toBeNull();
    const bad = await get(server, '/api/audit?outcome=maybe');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/outcome is one of/);

    // The deleted group's last changes stay on /api/ingest.
    const after = (await get(server, '/api/ingest')).json.log_groups.find((g: { name: string }) => g.name === 'hids-alerts');
    expect(after).toMatchObject({ exists: false });
    expect(after.recent_changes[0].action).toBe('logs:DeleteLogGroup');

    // Admin only: a viewer's session is refused, and told which role it needs.
    const login = await fetch(server.newLoginUrl('viewer'), { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^hidsmon_session=./);
    const asViewer = await fetch(`${server.url}/api/audit`, { headers: { Cookie: cookie } });
    expect(asViewer.status).toBe(403);
    expect(((await asViewer.json()) as { error: { message: string } }).error.message).toMatch(/needs the admin role/);
    expect((await fetch(`${server.url}/api/ingest`, { headers: { Cookie: cookie } })).status).toBe(200);

    // Durable: a restart keeps the trail.
    expect(await server.stop()).toBe(true);
    server = await startServer(config, { logger });
    expect((await get(server, '/api/audit?action=logs:')).json.entries).toHaveLength(6);
    expect(await server.stop()).toBe(true);
    server = undefined;
  }, 60_000);
});

describe('server: audit retention', () => {
  it('deletes entries older than audit_retention_days with the hourly retention run, and keeps the rest', async () => {
    const server = await startServer({ ...config, dataDir: join(tmp, 'retention'), auditRetentionDays: 90, retentionDays: 0 }, { logger, retentionIntervalMs: 300 });
    try {
      const old = Date.now() - 91 * 86_400_000;
      server.audit.record({ timeMs: old, actor: { kind: 'system', id: 'hidsmon' }, action: 'keys:Revoke', resource: 'AKIAOLD', outcome: 'allowed' });
      server.audit.record({ timeMs: Date.now(), actor: { kind: 'system', id: 'hidsmon' }, action: 'keys:Revoke', resource: 'AKIANEW', outcome: 'allowed' });
      await server.audit.flushed();
      let resources: string[] = ['AKIANEW', 'AKIAOLD'];
      for (const deadline = Date.now() + 15_000; Date.now() < deadline && resources.length > 1; ) {
        await new Promise((r) => setTimeout(r, 100));
        resources = (await get(server, '/api/audit?action=keys:')).json.entries.map((e: { resource: string }) => e.resource);
      }
      expect(resources).toEqual(['AKIANEW']);
    } finally {
      await server.stop();
    }
  }, 30_000);
});
