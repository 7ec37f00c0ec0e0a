/**
 * Least privilege on the CloudWatch Logs API, through the real AWS SDK v3 client and the AWS CLI
 * against a real server: the keys a first start generates (agent for hosts, admin for operators),
 * a key scoped to one log group, a revoked key, and every refusal reaching the audit recorder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DeleteSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../apps/server/credential-store.js';
import { startServer, type RunningServer } from '../../apps/server/server.js';
import { DEFAULTS } from '../../config/server-config.js';
import type { AuditEntry } from '../../core/audit.js';
import { EMBEDDED_DESTINATION } from './destinations.js';

const run = promisify(execFile);
const OWNER = '123456789012';
const REGION = 'us-east-1';
const GROUP = 'hids-alerts';
const STREAM = 'i-0e427a8594852eca2';

let server: RunningServer;
let dataDir: string;
const audited: AuditEntry[] = [];
const clients: CloudWatchLogsClient[] = [];
let agent: { accessKeyId: string; secretAccessKey: string };
let admin: { accessKeyId: string; secretAccessKey: string };

function client(key: { accessKeyId: string; secretAccessKey: string }): CloudWatchLogsClient {
  const c = new CloudWatchLogsClient({ endpoint: server.url, region: REGION, credentials: key, maxAttempts: 1 });
  clients.push(c);
  return c;
}

async function failure(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call;
  } catch (e) {
    const error = e as { name: string; message: string; $metadata: { httpStatusCode?: number } };
    return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode };
  }
  throw new Error('expected the call to be refused');
}

/** The store as `hidsmon keys` opens it, in its own process' stead. */
const keysCommand = (): CredentialStore => CredentialStore.open({ dataDir, account: { owner: OWNER, region: REGION } }).store;
const userArn = (id: string): string => `arn:aws:iam::${OWNER}:user/hidsmon/${id}`;
const groupResource = (group: string): string => `arn:aws:logs:${REGION}:${OWNER}:log-group:${group}:log-stream:`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hidsmon-cwl-perm-'));
  // No configured keys: the first start generates the agent key and the admin key.
  server = await startServer({ ...DEFAULTS, port: 0, dataDir, owner: OWNER, region: REGION, autoSubscribe: true }, { logger: pino({ level: 'silent' }) });
  // An in-memory recorder beside the durable one: what the handler records, as it records it.
  const durable = server.audit.record.bind(server.audit);
  server.audit.record = (entry) => {
    audited.push(entry);
    durable(entry);
  };
  const created = server.credentials.created;
  expect(created?.agentKey?.profile).toBe('agent');
  expect(created?.adminKey?.profile).toBe('admin');
  agent = { accessKeyId: created!.agentKey!.id, secretAccessKey: created!.agentKey!.secret };
  admin = { accessKeyId: created!.adminKey!.id, secretAccessKey: created!.adminKey!.secret };
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the agent key (what hosts hold)', () => {
  it('creates its group and stream, ships and describes', async () => {
    const cw = client(agent);
    await cw.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await cw.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM }));
    const put = await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: [{ timestamp: Date.now(), message: '{"rule":{"level":6}}' }] }));
    expect(put.rejectedLogEventsInfo).toBeUndefined();
    expect((await cw.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))).logStreams?.map((s) => s.logStreamName)).toEqual([STREAM]);
    expect((await cw.send(new DescribeLogGroupsCommand({}))).logGroups?.map((g) => g.logGroupName)).toContain(GROUP);
  });

  it('is refused, with AccessDeniedException in AWS words, everything that would blind the monitor or read the fleet', async () => {
    const cw = client(agent);
    const before = audited.length;
    const refused: Array<[string, Promise<unknown>, string]> = [
      ['PutSubscriptionFilter', cw.send(new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'blind', filterPattern: 'zz-never-matches-zz', destinationArn: EMBEDDED_DESTINATION })), groupResource(GROUP)],
      ['DeleteSubscriptionFilter', cw.send(new DeleteSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'blind' })), groupResource(GROUP)],
      ['PutRetentionPolicy', cw.send(new PutRetentionPolicyCommand({ logGroupName: GROUP, retentionInDays: 1 })), groupResource(GROUP)],
      ['DeleteRetentionPolicy', cw.send(new DeleteRetentionPolicyCommand({ logGroupName: GROUP })), groupResource(GROUP)],
      ['DeleteLogGroup', cw.send(new DeleteLogGroupCommand({ logGroupName: GROUP })), groupResource(GROUP)],
      ['DeleteLogStream', cw.send(new DeleteLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM })), `${groupResource(GROUP)}${STREAM}`],
      ['GetLogEvents', cw.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM })), `${groupResource(GROUP)}${STREAM}`],
      ['FilterLogEvents', cw.send(new FilterLogEventsCommand({ logGroupName: GROUP })), groupResource(GROUP)],
      ['DescribeSubscriptionFilters', cw.send(new DescribeSubscriptionFiltersCommand({ logGroupName: GROUP })), groupResource(GROUP)],
    ];
    for (const [action, call, resource] of refused) {
      expect(await failure(call)).toEqual({ name: 'AccessDeniedException', status: 400, message: `User: ${userArn(agent.accessKeyId)} is not authorized to perform: logs:${action} on resource: ${resource}` });
    }
    // Nothing changed: the group is there, unsubscribed, with no retention.
    const groups = await client(admin).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }));
    expect(groups.logGroups?.[0]?.retentionInDays).toBeUndefined();
    expect((await client(admin).send(new DescribeSubscriptionFiltersCommand({ logGroupName: GROUP }))).subscriptionFilters).toEqual([]);
    // Every refusal reached the recorder: who, from where, what, on what.
    const denials = audited.slice(before).filter((e) => e.outcome === 'denied');
    expect(denials.map((e) => e.action).sort()).toEqual(refused.map(([a]) => `logs:${a}`).sort());
    for (const d of denials) {
      expect(d.actor).toEqual({ kind: 'access-key', id: agent.accessKeyId, arn: userArn(agent.accessKeyId) });
      expect(d.sourceIp).toMatch(/127\.0\.0\.1$/);
      expect(d.message).toMatch(/^User: .* is not authorized to perform: /);
    }
    expect(denials.find((d) => d.action === 'logs:PutSubscriptionFilter')?.detail).toMatchObject({ filterPattern: 'zz-never-matches-zz' });
    // And the durable audit log has them too.
    await server.audit.flushed();
    const stored = await server.audit.search({ actors: [agent.accessKeyId], actions: [], outcomes: ['denied'], resources: [], limit: 100 });
    expect(stored.entries.map((e) => e.action)).toContain('logs:PutSubscriptionFilter');
  });
});

describe('the admin key (what operators hold)', () => {
  it('can do all of it, and each change is recorded as allowed', async () => {
    const cw = client(admin);
    const before = audited.length;
    await cw.send(new PutRetentionPolicyCommand({ logGroupName: GROUP, retentionInDays: 7 }));
    await cw.send(new DeleteRetentionPolicyCommand({ logGroupName: GROUP }));
    await cw.send(new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'all', filterPattern: '', destinationArn: EMBEDDED_DESTINATION }));
    await cw.send(new DeleteSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'all' }));
    expect((await cw.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, startFromHead: true }))).events).toHaveLength(1);
    expect((await cw.send(new FilterLogEventsCommand({ logGroupName: GROUP }))).events).toHaveLength(1);
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'scratch' }));
    await cw.send(new CreateLogStreamCommand({ logGroupName: 'scratch', logStreamName: 's' }));
    await cw.send(new DeleteLogStreamCommand({ logGroupName: 'scratch', logStreamName: 's' }));
    await cw.send(new DeleteLogGroupCommand({ logGroupName: 'scratch' }));
    const mine = audited.slice(before);
    expect(mine.every((e) => e.outcome === 'allowed' && e.actor.id === admin.accessKeyId)).toBe(true);
    expect(mine.find((e) => e.action === 'logs:PutRetentionPolicy')?.detail).toEqual({ retentionInDays: 7 });
  });

  it('a failed change is recorded as failed, with the reason', async () => {
    const before = audited.length;
    expect((await failure(client(admin).send(new DeleteLogGroupCommand({ logGroupName: 'no-such-group' })))).name).toBe('ResourceNotFoundException');
    expect(audited.slice(before)).toMatchObject([{ action: 'logs:DeleteLogGroup', outcome: 'failed', message: expect.stringMatching(/^ResourceNotFoundException/) }]);
  });
});

describe('scoped and revoked keys', () => {
  it('a key scoped to one log group cannot touch another', async () => {
    // Made as `hidsmon keys create` makes it: another store on the same file, not the server's.
    const scoped = keysCommand().createAccessKey({ profile: 'admin', logGroups: [GROUP] });
    const cw = client({ accessKeyId: scoped.id, secretAccessKey: scoped.secret });
    await client(admin).send(new CreateLogGroupCommand({ logGroupName: 'other-team' }));
    // Picked up without a restart.
    await cw.send(new PutRetentionPolicyCommand({ logGroupName: GROUP, retentionInDays: 30 }));
    // The key's making is in the audit log, though another process made it.
    expect(audited.find((e) => e.action === 'keys:Create' && e.resource === scoped.id)).toMatchObject({ actor: { kind: 'system' }, outcome: 'allowed', detail: { kind: 'access-key', profile: 'admin', log_groups: [GROUP] } });
    await cw.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'i-scoped' }));
    expect((await cw.send(new DescribeLogGroupsCommand({}))).logGroups?.length).toBeGreaterThanOrEqual(2);
    for (const call of [
      cw.send(new PutRetentionPolicyCommand({ logGroupName: 'other-team', retentionInDays: 1 })),
      cw.send(new DeleteLogGroupCommand({ logGroupName: 'other-team' })),
      cw.send(new CreateLogStreamCommand({ logGroupName: 'other-team', logStreamName: 'x' })),
      cw.send(new PutLogEventsCommand({ logGroupName: 'other-team', logStreamName: 'x', logEvents: [{ timestamp: Date.now(), message: 'x' }] })),
      cw.send(new DescribeLogStreamsCommand({ logGroupIdentifier: `arn:aws:logs:${REGION}:${OWNER}:log-group:other-team` })),
      // A name that only starts like the scoped group is another group.
      cw.send(new CreateLogGroupCommand({ logGroupName: `${GROUP}-2` })),
    ]) {
      const e = await failure(call);
      expect(e.name).toBe('AccessDeniedException');
      expect(e.message).toMatch(new RegExp(`^User: ${userArn(scoped.id)} is not authorized to perform: logs:\\w+ on resource: arn:aws:logs:${REGION}:${OWNER}:log-group:(other-team|${GROUP}-2):log-stream:`));
    }
  });

  it('a key revoked by another process is refused within a second, as an unknown one', async () => {
    const key = keysCommand().createAccessKey({ profile: 'agent' });
    const cw = client({ accessKeyId: key.id, secretAccessKey: key.secret });
    await cw.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }));
    expect(keysCommand().revoke(key.id)).toBe('revoked');
    // The store looks at the file again at most once a second while the key keeps working.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await failure(cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: [{ timestamp: Date.now(), message: 'x' }] })))).toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    expect(audited.filter((e) => e.resource === key.id).map((e) => e.action)).toEqual(['keys:Create', 'keys:Revoke']);
  });
});

describe('through the AWS CLI', () => {
  const aws = async (key: { accessKeyId: string; secretAccessKey: string }, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: dataDir,
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_DEFAULT_REGION: REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(dataDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'no-aws-credentials'),
      AWS_MAX_ATTEMPTS: '1',
    };
    try {
      const { stdout, stderr } = await run('aws', ['logs', ...args, '--endpoint-url', server.url, '--output', 'json'], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const error = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof error.code === 'number' ? error.code : -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
    }
  };

  it('the agent key ships and describes; the changes that would blind the monitor are AccessDeniedException', { timeout: 120_000 }, async () => {
    const stream = 'i-cli';
    expect((await aws(agent, ['create-log-stream', '--log-group-name', GROUP, '--log-stream-name', stream])).code).toBe(0);
    const put = await aws(agent, ['put-log-events', '--log-group-name', GROUP, '--log-stream-name', stream, '--log-events', `timestamp=${Date.now()},message=from-the-cli`]);
    expect(put.code).toBe(0);
    expect(JSON.parse((await aws(agent, ['describe-log-streams', '--log-group-name', GROUP])).stdout).logStreams.map((s: { logStreamName: string }) => s.logStreamName)).toContain(stream);
    for (const [op, args] of [
      ['PutSubscriptionFilter', ['put-subscription-filter', '--log-group-name', GROUP, '--filter-name', 'blind', '--filter-pattern', 'zz-never-matches-zz', '--destination-arn', EMBEDDED_DESTINATION]],
      ['PutRetentionPolicy', ['put-retention-policy', '--log-group-name', GROUP, '--retention-in-days', '1']],
      ['DeleteLogGroup', ['delete-log-group', '--log-group-name', GROUP]],
      ['GetLogEvents', ['get-log-events', '--log-group-name', GROUP, '--log-stream-name', stream]],
      ['FilterLogEvents', ['filter-log-events', '--log-group-name', GROUP]],
    ] as const) {
      const r = await aws(agent, [...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`An error occurred (AccessDeniedException) when calling the ${op} operation: User: ${userArn(agent.accessKeyId)} is not authorized to perform: logs:${op} on resource: arn:aws:logs:${REGION}:${OWNER}:log-group:${GROUP}:log-stream:`);
    }
  });

  it('the admin key can change retention and read events', { timeout: 60_000 }, async () => {
    expect((await aws(admin, ['put-retention-policy', '--log-group-name', GROUP, '--retention-in-days', '14'])).code).toBe(0);
    const events = await aws(admin, ['filter-log-events', '--log-group-name', GROUP]);
    expect(events.code).toBe(0);
    expect(JSON.parse(events.stdout).events.map((e: { message: string }) => e.message)).toContain('from-the-cli');
  });
});
