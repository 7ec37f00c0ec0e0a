import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from './moto.js';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
}, 30_000);
afterAll(async () => moto?.stop());

describe('startMotoServer', () => {
  it('serves CloudWatch Logs on loopback to the AWS SDK, and resets', async () => {
    expect(moto.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new CloudWatchLogsClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    try {
      await client.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
      await client.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0e427a8594852eca2' }));
      await client.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0e427a8594852eca2', logEvents: [{ timestamp: Date.now(), message: 'hello' }] }));
      const got = await client.send(new GetLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0e427a8594852eca2', startFromHead: true }));
      expect(got.events?.map((e) => e.message)).toEqual(['hello']);
      await moto.reset();
      expect((await client.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
    } finally {
      client.destroy();
    }
  });

  it('stops the process it started', async () => {
    const other = await startMotoServer();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    expect(await fetch(`${other.url}/moto-api/`).then(() => 'answered', () => 'refused')).toBe('refused');
  }, 30_000);
});
