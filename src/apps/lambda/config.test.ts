import { describe, expect, it } from 'vitest';
import { lambdaConfigFromEnv } from './config.js';
import { sqsBatches, sqsMessageBody, SQS_MAX_BATCH_BYTES, type DeadLetterRecord } from './dead-letters.js';
import { eventSlices } from './handler.js';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/hids-dead-letters';

describe('lambdaConfigFromEnv', () => {
  it("takes the blog's ES_ENDPOINT as a bare host name, with the defaults", () => {
    const config = lambdaConfigFromEnv({ ES_ENDPOINT: 'search-hids-abc.eu-west-1.es.amazonaws.com', DEAD_LETTER_QUEUE_URL: QUEUE, AWS_REGION: 'eu-west-1' });
    expect(config).toEqual({
      ok: true,
      value: { url: 'https://search-hids-abc.eu-west-1.es.amazonaws.com', indexPrefix: 'cwl-', deadLetters: { kind: 'sqs', queueUrl: QUEUE }, maxBulkBytes: 5 * 1024 * 1024, requestTimeoutMs: 30_000, region: 'eu-west-1', logLevel: 'info' },
    });
  });

  it("reads the CDK app's HIDSMON_* names, and the primary names win over them", () => {
    const env = { HIDSMON_OPENSEARCH_URL: 'https://a.example', HIDSMON_OPENSEARCH_INDEX_PREFIX: 'hids-', HIDSMON_DEAD_LETTER_QUEUE_URL: QUEUE, HIDSMON_OPENSEARCH_REPLICAS: '1', HIDSMON_LOG_LEVEL: 'debug' };
    expect(lambdaConfigFromEnv(env)).toMatchObject({ ok: true, value: { url: 'https://a.example', indexPrefix: 'hids-', replicas: 1, logLevel: 'debug' } });
    expect(lambdaConfigFromEnv({ ...env, OPENSEARCH_ENDPOINT: 'https://b.example/', INDEX_PREFIX: 'x-' })).toMatchObject({ ok: true, value: { url: 'https://b.example', indexPrefix: 'x-' } });
  });

  it('reads an S3 dead-letter URI into bucket and prefix (a prefix gets its slash)', () => {
    expect(lambdaConfigFromEnv({ OPENSEARCH_ENDPOINT: 'http://127.0.0.1:9200', DEAD_LETTER_S3_URI: 's3://my-bucket/hids/rejects' })).toMatchObject({ ok: true, value: { deadLetters: { kind: 's3', bucket: 'my-bucket', prefix: 'hids/rejects/' } } });
    expect(lambdaConfigFromEnv({ OPENSEARCH_ENDPOINT: 'http://127.0.0.1:9200', DEAD_LETTER_S3_URI: 's3://my-bucket' })).toMatchObject({ ok: true, value: { deadLetters: { kind: 's3', bucket: 'my-bucket', prefix: '' } } });
  });

  it('signs a custom domain name when told the service, with the region Lambda sets', () => {
    expect(lambdaConfigFromEnv({ OPENSEARCH_ENDPOINT: 'https://logs.example.com', DEAD_LETTER_QUEUE_URL: QUEUE, OPENSEARCH_SIGV4_SERVICE: 'es', AWS_REGION: 'us-east-2' })).toMatchObject({ ok: true, value: { auth: { kind: 'sigv4', service: 'es', region: 'us-east-2' } } });
  });

  it('names every wrong variable in one message', () => {
    const config = lambdaConfigFromEnv({ OPENSEARCH_ENDPOINT: 'ftp://x', INDEX_PREFIX: 'CWL-', DEAD_LETTER_QUEUE_URL: QUEUE, DEAD_LETTER_S3_URI: 's3://b/p/', MAX_BULK_BYTES: '10', OPENSEARCH_SIGV4_SERVICE: 'lambda', LOG_LEVEL: 'loud' });
    expect(config.ok).toBe(false);
    const message = config.ok ? '' : config.error;
    for (const name of ['OPENSEARCH_ENDPOINT', 'INDEX_PREFIX', 'not both', 'MAX_BULK_BYTES', 'OPENSEARCH_SIGV4_SERVICE', 'LOG_LEVEL']) expect(message).toContain(name);
  });

  it('requires an endpoint and a dead-letter destination', () => {
    const config = lambdaConfigFromEnv({});
    expect(config.ok).toBe(false);
    expect(config.ok ? '' : config.error).toMatch(/OPENSEARCH_ENDPOINT .*DEAD_LETTER_QUEUE_URL .*DEAD_LETTER_S3_URI/);
  });
});

describe('SQS dead letters', () => {
  const letter = (size: number): DeadLetterRecord => ({ kind: 'rejected_document', reason: 'mapper_parsing_exception: x', requestId: 'r', deadLetteredAt: '2024-01-01T00:00:00.000Z', document: { '@message': 'é'.repeat(size) } });

  it('cuts a record too large for one message, keeping its reason and the size of what was cut', () => {
    const body = sqsMessageBody(letter(300_000));
    expect(Buffer.byteLength(body)).toBeLessThan(SQS_MAX_BATCH_BYTES);
    expect(JSON.parse(body)).toMatchObject({ reason: 'mapper_parsing_exception: x', truncated: { field: 'document', bytes: expect.any(Number) } });
    expect(JSON.parse(body).truncated.bytes).toBeGreaterThan(600_000);
    expect(sqsMessageBody(letter(10))).toBe(JSON.stringify(letter(10)));
  });

  it('groups messages into batches of at most 10 and 256 KiB', () => {
    const bodies = [...Array.from({ length: 25 }, () => 'x'.repeat(100)), 'y'.repeat(200_000), 'z'.repeat(100_000)];
    const batches = sqsBatches(bodies);
    expect(batches.flat()).toEqual(bodies);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(batch.reduce((n, b) => n + Buffer.byteLength(b), 0)).toBeLessThanOrEqual(SQS_MAX_BATCH_BYTES);
    }
  });
});

describe('eventSlices', () => {
  it('covers every event once, in order, with each slice about the asked size and never empty', () => {
    const events = Array.from({ length: 50 }, (_, i) => ({ id: String(i), timestamp: 0, message: 'm'.repeat(i * 10) }));
    const slices = [...eventSlices(events, 2_000)];
    expect(slices.flatMap((s) => s.events)).toEqual(events);
    expect(slices.map((s) => s.start)).toEqual(slices.map((_, i) => slices.slice(0, i).reduce((n, s) => n + s.events.length, 0)));
    expect(slices.length).toBeGreaterThan(3);
    expect([...eventSlices(events, 1)]).toHaveLength(50);
    expect([...eventSlices([null, 7, 'x'], 1_000)]).toEqual([{ start: 0, events: [null, 7, 'x'] }]);
  });
});
