/**
 * @module The Lambda forwarder's dead-letter destinations: what OpenSearch rejected for good (with
 * its reason) and payloads that cannot be decoded, kept in an SQS queue (SendMessageBatch) or an S3
 * prefix (one NDJSON object per invocation) with the AWS SDK v3. A send that fails throws: the
 * invocation then fails and Lambda delivers it again, which the document ids make harmless.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterTarget } from './config.js';

/** One dead letter, as it is stored (a JSON object per SQS message or NDJSON line). */
export interface DeadLetterRecord {
  /** `rejected_document`: OpenSearch refused it; `rejected_event`: a log event that is no event; `corrupt_payload`: the delivery does not decode. */
  kind: 'rejected_document' | 'rejected_event' | 'corrupt_payload';
  reason: string;
  requestId: string;
  deadLetteredAt: string;
  logGroup?: string;
  logStream?: string;
  owner?: string;
  /** For a rejected document: where it was going and the document itself (its `@message` is the raw event). */
  index?: string;
  id?: string;
  document?: unknown;
  /** For a rejected event or a corrupt payload: what was delivered, as is. */
  event?: unknown;
  /** Set when the record was cut to fit an SQS message; `bytes` is the JSON size of what was cut. */
  truncated?: { field: 'document' | 'event'; bytes: number };
}

export interface DeadLetterDestination {
  readonly description: string;
  /** Stores every record or throws. */
  send(records: readonly DeadLetterRecord[], requestId: string): Promise<void>;
}

/** SQS takes 256 KiB per message and per batch (a queue may allow more; this fits every queue). */
export const SQS_MAX_BATCH_BYTES = 256 * 1024;
const SQS_MAX_BATCH_ENTRIES = 10;
/** Room for the batch entry's own fields. */
const SQS_MAX_MESSAGE_BYTES = SQS_MAX_BATCH_BYTES - 1024;

export function sqsDeadLetters(client: SQSClient, queueUrl: string): DeadLetterDestination {
  return {
    description: `sqs:${queueUrl}`,
    async send(records) {
      for (const batch of sqsBatches(records.map(sqsMessageBody))) {
        const answer = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((body, i) => ({ Id: String(i), MessageBody: body })) }));
        const failed = answer.Failed ?? [];
        if (failed.length > 0) {
          const first = failed[0];
          throw new Error(`SQS refused ${failed.length} of ${batch.length} dead letters (${first?.Code ?? 'unknown'}: ${first?.Message ?? 'no message'})`);
        }
      }
    },
  };
}

/** One object per call: `<prefix>YYYY/MM/DD/<request id>-<n>.ndjson`, so that a retried invocation adds an object and overwrites none. */
export function s3DeadLetters(client: S3Client, bucket: string, prefix: string, now: () => number = Date.now): DeadLetterDestination {
  let sequence = 0;
  return {
    description: `s3://${bucket}/${prefix}`,
    async send(records, requestId) {
      if (records.length === 0) return;
      const day = new Date(now()).toISOString().slice(0, 10).replaceAll('-', '/');
      const key = `${prefix}${day}/${safeKeyPart(requestId)}-${now()}-${sequence++}.ndjson`;
      const body = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }));
    },
  };
}

export function deadLetterDescription(target: DeadLetterTarget): string {
  return target.kind === 'sqs' ? `sqs:${target.queueUrl}` : `s3://${target.bucket}/${target.prefix}`;
}

/** The message for a record; one too large for SQS keeps its reason and metadata and the head of its content. */
export function sqsMessageBody(record: DeadLetterRecord): string {
  const body = JSON.stringify(record);
  if (Buffer.byteLength(body) <= SQS_MAX_MESSAGE_BYTES) return body;
  const field = record.document !== undefined ? 'document' : 'event';
  const content = JSON.stringify(record[field]) ?? '';
  const bytes = Buffer.byteLength(content);
  // Half the limit for the head: the rest of the record (reason, metadata) stays well inside.
  const head = Buffer.from(content).subarray(0, SQS_MAX_MESSAGE_BYTES / 2).toString('utf8');
  return JSON.stringify({ ...record, [field]: head, truncated: { field, bytes } });
}

/** Messages grouped into SendMessageBatch calls: at most 10 and 256 KiB each. */
export function sqsBatches(bodies: readonly string[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const body of bodies) {
    const bytes = Buffer.byteLength(body);
    if (current.length > 0 && (current.length === SQS_MAX_BATCH_ENTRIES || size + bytes > SQS_MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(body);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function safeKeyPart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'unknown';
}
