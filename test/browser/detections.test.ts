/**
 * The Detections page in Chromium against a real server: detections in the server's durable store
 * are listed newest first with rule, group, count, hosts and status; a hostile alert text (HTML,
 * script, Slack markup) is shown as text and makes no element; "View alerts" opens Discover with
 * the detection's query and window and shows exactly its matching alerts (not the other alerts of
 * the same window); an admin acknowledges and closes (stored, audited); a viewer has no buttons.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../src/core/detection.js';
import { sampleDetection } from '../../src/testing/detections.js';
import { seriousViolations, shipEvents, shownTotal, screenshot, startFixture, TOKEN, urlParams, type Fixture } from './harness.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> <!channel> *bold*';
let fx: Fixture;
let receiver: Server;
const received: string[] = [];
let older: Detection;
let newer: Detection;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => (received.push(body), res.writeHead(200).end()));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  fx = await startFixture('detections', {}, 'embedded', { notifications: { throttleMinutes: 10, channels: [{ id: 'soc', type: 'webhook', url: hook, secret: 'whsec-ui-test-0123456789' }], routes: [{ channels: ['soc'] }] } });
  const base = Date.now() - 30 * 60_000;
  const alert = (i: number, srcip: string, sidid: number) => ({
    timestamp: base + i * 1000,
    message: JSON.stringify({ rule: { level: 10, sidid, comment: 'SSHD brute force trying to get access to the system.' }, srcip, full_log: i === 0 ? HOSTILE : `Failed password for invalid user u${i} from ${srcip} port 22 ssh2`, id: `a-${srcip}-${sidid}-${i}` }),
  });
  // Four alerts of the detection on two hosts, and in the same window others that are not its.
  await shipEvents(fx.server, 'i-0aaa000000000001', [alert(0, '203.0.113.9', 5712), alert(1, '203.0.113.9', 5712), alert(2, '198.51.100.1', 5712), alert(3, '203.0.113.9', 5716)]);
  await shipEvents(fx.server, 'i-0bbb000000000002', [alert(4, '203.0.113.9', 5712), alert(5, '203.0.113.9', 5712), alert(6, '198.51.100.1', 5712)]);
  const window = { start: new Date(base - 1000).toISOString(), end: new Date(base + 60_000).toISOString() };
  older = sampleDetection({
    id: 'det-ssh-203.0.113.9',
    createdAt: new Date(base + 61_000).toISOString(),
    count: 4,
    hosts: ['i-0aaa000000000001', 'i-0bbb000000000002'],
    window,
    query: 'rule.sidid:5712 AND srcip:"203.0.113.9"',
    group: [{ field: 'srcip', value: '203.0.113.9' }],
    evidence: [{ id: 'e0', index: 'cwl-x', '@timestamp': new Date(base).toISOString(), '@log_stream': 'i-0aaa000000000001', level: 10, text: HOSTILE }],
  });
  newer = sampleDetection({
    id: 'det-port-scan',
    createdAt: new Date(base + 120_000).toISOString(),
    rule: { id: 'port-scan', name: 'Port scan', kind: 'spread', severity: 'medium' },
    group: [{ field: 'srcuser', value: '<b>root</b>' }],
    count: 2,
    hosts: ['i-0aaa000000000001'],
    window,
    query: 'srcip:"198.51.100.1"',
  });
  await fx.server.detections.store.put(older);
  await fx.server.detections.store.put(newer);
  fx.server.detections.notify(older);
  await fx.server.detections.dispatcher?.idle();
  expect(received).toHaveLength(1);
}, 180_000);

afterAll(async () => {
  await fx?.close();
  receiver?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
});

async function apiDetection(id: string): Promise<any> {
  const response = await fetch(`${fx.server.url}/api/detections/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return response.json();
}

describe('the Detections page', () => {
  it('lists detections newest first, hostile text as text, opens the evidence, acknowledges and closes (admin)', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.getByTestId('nav-detections').click();
    expect(new URL(page.url()).pathname).toBe('/detections');
    await page.waitForSelector('[data-testid="detections-page"][data-ready="true"]');
    const rows = page.getByTestId('detection-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    expect(await rows.nth(0).getAttribute('data-id')).toBe('det-port-scan');
    expect(await rows.nth(1).getAttribute('data-id')).toBe('det-ssh-203.0.113.9');
    const ssh = rows.nth(1);
    expect(await ssh.getByTestId('detection-rule').textContent()).toBe('SSH brute force across the fleet');
    expect(await ssh.getByTestId('detection-group').textContent()).toBe('srcip: 203.0.113.9');
    expect(await ssh.getByTestId('detection-count').textContent()).toBe('4');
    expect(await ssh.getByTestId('detection-hosts').textContent()).toBe('i-0aaa000000000001, i-0bbb000000000002');
    expect(await ssh.getByTestId('detection-status').textContent()).toBe('open');
    expect(await rows.nth(0).getByTestId('detection-group').textContent()).toBe('srcuser: <b>root</b>');

    // The evidence opens with the keyboard; its text is text.
    await ssh.getByTestId('detection-open').focus();
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('detection-evidence-text').first().textContent()).toBe(HOSTILE);
    expect(await page.locator('[data-testid="detections-table"] img, [data-testid="detections-table"] script, [data-testid="detections-table"] b').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    // The notifications log (admins): the webhook's attempt for the SSH detection.
    const sent = page.getByTestId('notification-row');
    await expect.poll(() => sent.count(), { timeout: 15_000 }).toBe(1);
    expect(await sent.first().textContent()).toContain('soc (webhook)');
    expect(await sent.first().textContent()).toContain('sent');
    expect(await page.getByTestId('notifications-stats').textContent()).toContain('1 sent, 0 failed');
    await screenshot(page, 'detections-1280x800');

    await ssh.getByTestId('detection-ack').click();
    await expect.poll(async () => ssh.getByTestId('detection-status').textContent(), { timeout: 15_000 }).toBe('acknowledged');
    expect((await apiDetection(older.id)).status).toBe('acknowledged');
    await ssh.getByTestId('detection-close').click();
    await expect.poll(async () => ssh.getByTestId('detection-status').textContent(), { timeout: 15_000 }).toBe('closed');
    expect(await apiDetection(older.id)).toMatchObject({ status: 'closed', status_by: expect.stringMatching(/^session:/) });
    await fx.server.audit.flushed();
    const audited = await fx.server.audit.search({ limit: 50, actors: [], actions: ['detections:SetStatus'], outcomes: ['allowed'], resources: [] });
    expect(audited.entries.map((e) => [e.resource, e.detail?.['status']])).toEqual([
      [older.id, 'closed'],
      [older.id, 'acknowledged'],
    ]);

    // Closed ones leave the default view (open and acknowledged); "All" shows them again.
    await page.getByTestId('detections-apply').click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('detections-status').selectOption('');
    await page.getByTestId('detections-apply').click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
  });

  it('"View alerts" opens Discover with the detection\'s query and window, showing exactly its matching alerts', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/detections`);
    await page.waitForSelector('[data-testid="detections-page"][data-ready="true"]');
    await page.getByTestId('detections-status').selectOption('');
    await page.getByTestId('detections-apply').click();
    const ssh = page.locator('[data-testid="detection-row"][data-id="det-ssh-203.0.113.9"]');
    await ssh.waitFor();
    await ssh.getByTestId('detection-discover').click();
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 15_000 }).toBe('/discover');
    const params = urlParams(page);
    expect(params.get('q')).toBe(older.query);
    expect(params.get('from')).toBe(older.window.start);
    expect(params.get('to')).toBe(older.window.end);
    expect(params.getAll('f')).toEqual([]);
    // The two hosts' four alerts of 203.0.113.9 with rule 5712; not 198.51.100.1's, not rule 5716's.
    expect(await shownTotal(page)).toBe(4);
  });

  it('axe-core finds no serious or critical violation, the evidence open (as a11y.test.ts checks the other pages)', { timeout: 120_000 }, async () => {
    // axe is injected as a script: this context lets it past the page's CSP (script-src 'self').
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    try {
      const page = await context.newPage();
      await page.goto(fx.server.newLoginUrl('admin'));
      await page.waitForSelector('.app');
      await page.goto(`${fx.server.url}/detections`);
      await page.waitForSelector('[data-testid="detections-page"][data-ready="true"]');
      await page.getByTestId('detections-status').selectOption('');
      await page.getByTestId('detections-apply').click();
      await expect.poll(() => page.getByTestId('detection-row').count(), { timeout: 15_000 }).toBe(2);
      await page.getByTestId('detection-open').first().click();
      await page.getByTestId('detection-detail').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a viewer sees the detections but no Acknowledge or Close', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn(undefined, 'viewer');
    await page.goto(`${fx.server.url}/detections`);
    await page.waitForSelector('[data-testid="detections-page"][data-ready="true"]');
    await expect.poll(() => page.getByTestId('detection-row').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="detection-ack"], [data-testid="detection-close"], [data-testid="detection-reopen"]').count()).toBe(0);
    expect(await page.getByTestId('notifications-panel').count()).toBe(0);
  });
});
