/**
 * The agent's own SigV4 signing against the AWS SDK's signer (@smithy/signature-v4, which the
 * hidsmon server and AWS accept): the same Authorization for the same request, with and without a
 * session token. The client's calls themselves are tested against the hidsmon server
 * (ship/shipper.test.ts) and moto (ship/shipper-moto.test.ts).
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { awsLogsEndpoint, signRequest } from './logs-client.js';

class Sha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

describe('signRequest', () => {
  for (const sessionToken of [undefined, 'FwoGZXIvYXdzEJr//////////token+/=']) {
    it(`signs as the AWS SDK does${sessionToken ? ' (with a session token)' : ''}`, async () => {
      const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ...(sessionToken ? { sessionToken } : {}) };
      const body = Buffer.from(JSON.stringify({ logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: 1, message: 'ünïcode "quoted"' }] }));
      const headers = { host: 'logs.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.PutLogEvents', 'content-length': String(body.length) };
      const now = new Date('2026-12-01T13:14:15.678Z');
      const ours = signRequest({ path: '/', headers, body }, credentials, 'eu-west-1', 'logs', now);
      const sdk = await new SignatureV4({ credentials, region: 'eu-west-1', service: 'logs', sha256: Sha256 as never, applyChecksum: false }).sign(
        { method: 'POST', protocol: 'https:', hostname: 'logs.eu-west-1.amazonaws.com', path: '/', query: {}, headers: { ...headers }, body },
        { signingDate: now },
      );
      expect(ours['authorization']).toBe(sdk.headers['authorization']);
      expect(ours['x-amz-date']).toBe('20261201T131415Z');
      expect(ours['x-amz-security-token']).toBe(sessionToken);
    });
  }

  it('knows the regional endpoints, China included', () => {
    expect(awsLogsEndpoint('us-east-1')).toBe('https://logs.us-east-1.amazonaws.com');
    expect(awsLogsEndpoint('cn-north-1')).toBe('https://logs.cn-north-1.amazonaws.com.cn');
  });
});
