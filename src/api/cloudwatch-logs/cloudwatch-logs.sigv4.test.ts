/**
 * @module SigV4 binds what AWS binds, through the real server: requests signed by independent
 * signers (AWS SDK v3's @smithy/signature-v4, botocore) are accepted; one that leaves X-Amz-Target
 * unsigned, one scoped to another region and one 16 minutes old are refused in AWS's words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../apps/server/server.js';
import { DEFAULTS } from '../../config/server-config.js';
import { signWithBotocore, signWithSmithy } from '../../testing/sigv4-signers.js';

const REGION = 'eu-west-1';
const KEY = { accessKeyId: 'AKIAHIDSMONSIGV4TEST', secretAccessKey: 'sigv4-suite-Zk4qT9vRm2Xc7Lp5Wn8Bh3' };
let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hidsmon-sigv4-'));
  server = await startServer(
    { ...DEFAULTS, port: 0, dataDir, region: REGION, accessKeys: [{ id: KEY.accessKeyId, secret: KEY.secretAccessKey }], apiTokens: ['sigv4-suite-token-Hq8mV3kZr6Tx1Nw4'], autoSubscribe: false },
    { logger: pino({ level: 'silent' }) },
  );
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends exactly these headers and bytes to POST /. */
function send(headers: Record<string, string>, body: Buffer): Promise<{ status: number; type?: string; message?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const parsed = res.statusCode !== 200 && text ? (JSON.parse(text) as { __type: string; message: string }) : undefined;
        resolve({ status: res.statusCode as number, body: text, ...(parsed ? { type: parsed.__type, message: parsed.message } : {}) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const host = (): string => `127.0.0.1:${server.port}`;
const json = (target: string): Record<string, string> => ({ host: host(), 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${target}` });

describe('SigV4 through the real server', () => {
  it('accepts requests signed by @smithy/signature-v4 (what every AWS SDK v3 client sends)', async () => {
    const body = Buffer.from('{"logGroupName":"smithy-signed"}');
    const res = await send(await signWithSmithy({ headers: json('CreateLogGroup'), body, ...KEY, region: REGION }), body);
    expect(res).toMatchObject({ status: 200 });
    expect(server.log.getLogGroup('smithy-signed')).toBeDefined();
  });

  it('accepts requests signed by botocore (the AWS CLI\'s signer), and refuses them replayed with another body', async () => {
    const body = Buffer.from('{"logGroupName":"botocore-signed"}');
    const headers = await signWithBotocore({ url: `http://${host()}/`, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Logs_20140328.CreateLogGroup' }, body, ...KEY, region: REGION });
    expect(headers['authorization']).toMatch(/SignedHeaders=[^,]*x-amz-target/);
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    expect(await send(headers, body)).toMatchObject({ status: 200 });
    expect(server.log.getLogGroup('botocore-signed')).toBeDefined();
    const other = Buffer.from('{"logGroupName":"botocore-forged"}');
    expect(await send(headers, other)).toMatchObject({ status: 400, type: 'InvalidSignatureException' });
    expect(server.log.getLogGroup('botocore-forged')).toBeUndefined();
  });

  it('refuses a request whose X-Amz-Target is not a signed header: the same signature cannot carry another operation', async () => {
    const body = Buffer.from('{"logGroupName":"unsigned-target"}');
    const headers = await signWithSmithy({ headers: json('CreateLogGroup'), body, ...KEY, region: REGION, unsigned: ['x-amz-target'] });
    expect(headers['authorization']).not.toContain('x-amz-target');
    const res = await send(headers, body);
    expect(res).toEqual({ status: 400, type: 'IncompleteSignatureException', message: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.", body: expect.any(String) });
    // The swap it would allow: the signature made for one operation, sent with another.
    expect(await send({ ...headers, 'x-amz-target': 'Logs_20140328.DeleteLogGroup' }, body)).toMatchObject({ status: 400, type: 'IncompleteSignatureException' });
    expect(server.log.getLogGroup('unsigned-target')).toBeUndefined();
  });

  it("refuses a credential scoped to another region with AWS's error", async () => {
    const body = Buffer.from('{"logGroupName":"other-region"}');
    const res = await send(await signWithSmithy({ headers: json('CreateLogGroup'), body, ...KEY, region: 'us-west-2' }), body);
    expect(res).toMatchObject({ status: 400, type: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'us-west-2'. " });
    expect(server.log.getLogGroup('other-region')).toBeUndefined();
    // The SDK configured for the wrong region gets the same answer.
    const client = new CloudWatchLogsClient({ endpoint: server.url, region: 'ap-south-1', credentials: KEY, maxAttempts: 1 });
    try {
      await expect(client.send(new DescribeLogGroupsCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'ap-south-1'. ", $metadata: { httpStatusCode: 400 } });
    } finally {
      client.destroy();
    }
  });

  it("refuses a request signed 16 minutes ago with AWS's Signature expired, and takes one 14 minutes old", async () => {
    const body = Buffer.from('{"logGroupName":"old-signature"}');
    const signedAt = Date.now() - 16 * 60_000;
    const res = await send(await signWithSmithy({ headers: json('CreateLogGroup'), body, ...KEY, region: REGION, dateMs: signedAt }), body);
    expect(res).toMatchObject({ status: 400, type: 'InvalidSignatureException' });
    const stamp = new Date(Math.floor(signedAt / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace('.000', '');
    expect(res.message).toMatch(new RegExp(`^Signature expired: ${stamp} is now earlier than \\d{8}T\\d{6}Z \\(\\d{8}T\\d{6}Z - 15 min\\.\\)$`));
    expect(server.log.getLogGroup('old-signature')).toBeUndefined();
    const recent = Buffer.from('{"logGroupName":"recent-signature"}');
    expect(await send(await signWithSmithy({ headers: json('CreateLogGroup'), body: recent, ...KEY, region: REGION, dateMs: Date.now() - 14 * 60_000 }), recent)).toMatchObject({ status: 200 });
  });
});
