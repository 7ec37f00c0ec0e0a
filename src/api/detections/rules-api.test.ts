/**
 * `/api/rules` in a running server, with the rule engine's catalog: a viewer lists the rules and
 * validates one (problems with line and column); only an admin adds (audited) and deletes one
 * added through the API; a built-in rule is neither replaced nor deleted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import type { Principal } from '../../core/principal.js';
import { startServer, type RunningServer } from '../../apps/server/server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-rules-api-'));
const ADMIN = 'rules-admin-token-0123456789abcdef';
let server: RunningServer;
let viewer: string;

beforeAll(async () => {
  const config: ServerConfig = { ...DEFAULTS, port: 0, dataDir: join(tmp, 'data'), apiTokens: [ADMIN] };
  server = await startServer(config, { logger: pino({ level: 'silent' }) });
  // A viewer session, through a one-time link made for a viewer.
  const link = await fetch(`${server.url}/api/login-link`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ role: 'viewer' }) });
  const { url } = (await link.json()) as { url: string };
  const signedIn = await fetch(url, { redirect: 'manual' });
  viewer = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function call(who: 'admin' | 'viewer', method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = who === 'admin' ? { Authorization: `Bearer ${ADMIN}` } : { Cookie: viewer };
  if (body !== undefined || method !== 'GET') headers['Content-Type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, json: await response.json() };
}

const RULE = ['id: team.sudo-burst', 'name: Many sudo to ROOT', 'severity: medium', "query: 'rule.sidid:5402'", 'condition:', '  kind: threshold', '  count: 5', '  window: 10m', '  group_by: [dstuser]'].join('\n');

describe('/api/rules', () => {
  it('a viewer lists the built-in pack and validates a rule; a bad one comes back with line and column', async () => {
    const list = await call('viewer', 'GET', '/api/rules');
    expect(list.status).toBe(200);
    const ids = (list.json.rules as Array<{ rule: { id: string }; source: string; editable: boolean }>).map((r) => r.rule.id);
    expect(ids).toContain('builtin.ssh-brute-force');
    expect(list.json.rules.find((r: { rule: { id: string } }) => r.rule.id === 'builtin.ssh-brute-force')).toMatchObject({ source: 'builtin', editable: false });

    expect((await call('viewer', 'POST', '/api/rules/validate', { yaml: RULE })).json).toMatchObject({ valid: true, rule: { id: 'team.sudo-burst' } });
    const bad = await call('viewer', 'POST', '/api/rules/validate', { yaml: RULE.replace("'rule.sidid:5402'", "'rule.sidid:(5402'") });
    expect(bad.status).toBe(200);
    expect(bad.json.valid).toBe(false);
    expect(bad.json.problems[0]).toMatchObject({ path: 'query', line: 4 });
    expect(bad.json.problems[0].column).toBeGreaterThan(8);
    expect((await call('viewer', 'POST', '/api/rules/validate', { text: RULE })).status).toBe(400);
  });

  it('only an admin adds a rule (audited) and deletes it; a built-in rule is not replaced or deleted', async () => {
    const refused = await call('viewer', 'POST', '/api/rules', { yaml: RULE });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ required_role: 'admin' });

    const added = await call('admin', 'POST', '/api/rules', { yaml: RULE });
    expect(added.status).toBe(201);
    expect(added.json.rule).toMatchObject({ id: 'team.sudo-burst', severity: 'medium' });
    const listed = await call('viewer', 'GET', '/api/rules');
    expect(listed.json.rules.find((r: { rule: { id: string } }) => r.rule.id === 'team.sudo-burst')).toMatchObject({ source: 'api', editable: true });

    const clash = await call('admin', 'POST', '/api/rules', { yaml: RULE.replace('team.sudo-burst', 'builtin.port-scan') });
    expect(clash.status).toBe(409);
    expect((await call('admin', 'DELETE', '/api/rules/builtin.port-scan')).status).toBe(409);
    expect((await call('viewer', 'DELETE', '/api/rules/team.sudo-burst')).status).toBe(403);
    expect((await call('admin', 'DELETE', '/api/rules/team.sudo-burst')).json).toEqual({ deleted: 'team.sudo-burst' });
    expect((await call('admin', 'DELETE', '/api/rules/team.sudo-burst')).status).toBe(404);

    await server.audit.flushed();
    const audit = await server.audit.search({ limit: 50, actors: [], actions: ['rules:'], outcomes: [], resources: [] });
    const seen = audit.entries.map((e) => [e.action, e.outcome, e.resource, (e.actor as Principal).kind]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['rules:Add', 'allowed', 'team.sudo-burst', 'api-token'],
        ['rules:Add', 'denied', '/api/rules', 'session'],
        ['rules:Add', 'failed', '-', 'api-token'],
        ['rules:Delete', 'allowed', 'team.sudo-burst', 'api-token'],
        ['rules:Delete', 'failed', 'builtin.port-scan', 'api-token'],
      ]),
    );
  });
});
