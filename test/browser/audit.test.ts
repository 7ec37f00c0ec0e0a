/**
 * The Audit and Ingest pages in Chromium: an agent key's refused PutSubscriptionFilter (the issue's
 * "blind the fleet" filter) shows on both, with the key id, address and outcome; recorded values
 * that are HTML stay text (no element, no script); filters narrow the table; a viewer is told the
 * audit log needs the admin role.
 */
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_DESTINATION } from '../../src/apps/server/server.js';
import { ARTIFACTS, KEY, startFixture, type Fixture } from './harness.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture('audit');
  const cw = new CloudWatchLogsClient({ endpoint: fx.server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
  await cw.send(new CreateLogGroupCommand({ logGroupName: 'fleet' }));
  await expect(cw.send(new PutSubscriptionFilterCommand({ logGroupName: 'fleet', filterName: 'quiet', filterPattern: 'zz-never-matches-zz', destinationArn: EMBEDDED_DESTINATION }))).rejects.toThrow(/not authorized/);
  cw.destroy();
  fx.server.audit.record({
    timeMs: Date.now(),
    actor: { kind: 'access-key', id: '"><svg onload="window.__pwned=3">', arn: 'arn:aws:iam::1:user/x' },
    sourceIp: '10.0.0.66',
    action: 'logs:DeleteLogGroup',
    resource: '<b>arn:aws:logs:us-east-1:1:log-group:fleet</b>',
    outcome: 'failed',
    message: HOSTILE,
    detail: { note: '<iframe src="javascript:window.__pwned=4"></iframe>' },
  });
  await fx.server.audit.flushed();
}, 120_000);

afterAll(async () => {
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
});

describe('the Audit page', () => {
  it('lists entries newest first with hostile values as text, filters them, and opens a row', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.getByTestId('nav-audit').click();
    expect(new URL(page.url()).pathname).toBe('/audit');
    await page.waitForSelector('[data-testid="audit-page"][data-ready="true"]');
    const rows = page.getByTestId('audit-row');
    // CreateLogGroup allowed, PutSubscriptionFilter denied, the hostile one; and this admin's sign-in.
    const texts = await rows.allTextContents();
    expect(texts.length).toBeGreaterThanOrEqual(3);
    // Newest first: this admin's sign-in, then the hostile entry, then the agent's two.
    expect(texts[0]).toContain('session:Login');
    expect(texts.findIndex((t) => t.includes('logs:DeleteLogGroup'))).toBeLessThan(texts.findIndex((t) => t.includes('logs:PutSubscriptionFilter')));
    const hostileRow = rows.filter({ hasText: 'logs:DeleteLogGroup' });
    expect(await hostileRow.getByTestId('audit-message').textContent()).toBe(HOSTILE);
    expect(await hostileRow.textContent()).toContain('"><svg onload="window.__pwned=3">');
    expect(await hostileRow.textContent()).toContain('<b>arn:aws:logs:us-east-1:1:log-group:fleet</b>');
    expect(await page.locator('[data-testid="audit-table"] img, [data-testid="audit-table"] script, [data-testid="audit-table"] svg, [data-testid="audit-table"] b, [data-testid="audit-table"] iframe').count()).toBe(0);
    await hostileRow.click();
    expect(await page.getByTestId('audit-detail').textContent()).toContain('<iframe src=\\"javascript:window.__pwned=4\\"></iframe>');
    expect(await page.locator('[data-testid="audit-table"] iframe').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    await page.screenshot({ path: join(ARTIFACTS, 'audit-1280x800.png') });

    // Only denials: the agent's attempt to blind the fleet, with its key id and address.
    await page.getByTestId('audit-outcome').selectOption('denied');
    await page.getByTestId('audit-apply').click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
    const denied = (await rows.first().textContent()) ?? '';
    expect(denied).toContain('logs:PutSubscriptionFilter');
    expect(denied).toContain(KEY.id);
    expect(denied).toMatch(/127\.0\.0\.1/);
    expect(denied).toContain('is not authorized to perform: logs:PutSubscriptionFilter');

    // A glob on the action.
    await page.getByTestId('audit-outcome').selectOption('');
    await page.getByTestId('audit-action').fill('logs:Create*');
    await page.getByTestId('audit-apply').click();
    await expect.poll(async () => (await rows.allTextContents()).map((t) => t.includes('logs:CreateLogGroup')), { timeout: 15_000 }).toEqual([true]);

    // Refresh asks again: an entry recorded now appears without reloading the page.
    fx.server.audit.record({ timeMs: Date.now(), actor: { kind: 'system', id: 'hidsmon' }, action: 'logs:CreateLogGroup', resource: 'arn:aws:logs:us-east-1:1:log-group:later:log-stream:', outcome: 'allowed' });
    await fx.server.audit.flushed();
    await page.getByTestId('audit-refresh').click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
  });

  it('the Ingest page shows the refused subscription filter change beside its log group', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.getByTestId('nav-ingest').click();
    await page.waitForSelector('[data-testid="ingest-page"][data-ready="true"]');
    const group = page.locator('[data-testid="ingest-group"][data-group="fleet"]');
    const changes = (await group.getByTestId('ingest-changes').textContent()) ?? '';
    expect(changes).toContain('logs:PutSubscriptionFilter');
    expect(changes).toContain('denied');
    expect(changes).toContain(KEY.id);
    expect(changes).toContain('zz-never-matches-zz');
    expect(await group.locator('b, img, script').count()).toBe(0);
  });

  it('a viewer is told the audit log needs the admin role', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn(undefined, 'viewer');
    await page.goto(`${fx.server.url}/audit`);
    const error = page.getByTestId('audit-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/needs the admin role/);
    expect(await page.getByTestId('audit-row').count()).toBe(0);
  });
});
