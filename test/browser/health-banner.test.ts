/**
 * The degraded banner in Chromium: while the index is unavailable the UI says so, with the
 * server's reason, as text; once the sink is back the banner goes.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultySink, type Fault } from '../../src/testing/faulty-sinks.js';
import { KEY, LOG_GROUP, startFixture, type Fixture } from './harness.js';

let fixture: Fixture;
let fault: Fault = 'none';

beforeAll(async () => {
  fixture = await startFixture('health', { wrapSink: (sink) => new FaultySink(sink, () => fault) });
}, 90_000);
afterAll(() => fixture?.close());

describe('health banner', () => {
  it('shows that indexing is degraded, and why, while the sink is down; then goes', async () => {
    const { page } = await fixture.signedIn();
    expect(await page.locator('[data-testid="health-banner"]').count()).toBe(0);
    fault = 'unavailable';
    const cw = new CloudWatchLogsClient({ endpoint: fixture.server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    await cw.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
    await cw.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: 'i-0banner' }));
    await cw.send(new PutLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: 'i-0banner', logEvents: [{ timestamp: Date.now(), message: '{"rule":{"level":3,"sidid":1,"comment":"<b>x</b>"},"id":"1709390000.1"}' }] }));
    cw.destroy();
    const banner = page.locator('[data-testid="health-banner"]');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await banner.textContent()).toMatch(/Indexing is degraded\..*sink arn:hidsmon:sink:embedded unavailable.*ECONNREFUSED/s);
    fault = 'none';
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    expect(fixture.pageErrors).toEqual([]);
  }, 90_000);
});
