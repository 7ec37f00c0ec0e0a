import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../core/ids.js';
import { decodeSubscriptionData, transformPayload, transformSubscriptionEvent, type SubscriptionPayload } from './transform-subscription.js';

const FIXTURES = new URL('../../test/fixtures/subscription/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const eventOf = (payload: unknown): unknown => ({ awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } });

const ALERT = '{"rule":{"level":6,"comment":"SSH insecure connection attempt (scan).","sidid":5706},"id":"1709390200.48213","srcip":"10.10.10.10"}';

function payload(events: unknown[], stream = 'i-0e427a8594852eca2'): SubscriptionPayload {
  return { messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: 'hids-alerts', logStream: stream, subscriptionFilters: ['f'], logEvents: events };
}

describe('transformSubscriptionEvent: golden payloads', () => {
  it('decodes the Lambda event to the payload it was made from', () => {
    const event = fixture('data-message.event.json') as { awslogs: { data: string } };
    expect(decodeSubscriptionData(event.awslogs.data)).toEqual({ ok: true, value: fixture('data-message.payload.json') });
  });

  it('turns a DATA_MESSAGE into exactly the expected documents', () => {
    const result = transformSubscriptionEvent(fixture('data-message.event.json'));
    const expected = readFileSync(new URL('data-message.expected.ndjson', FIXTURES), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.rejected).toEqual([]);
    expect(result.value.documents).toEqual(expected);
    expect(result.value).toMatchObject({ messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: 'hids-alerts-us-east-1', logStream: 'i-0e427a8594852eca2' });
  });

  it('gives no documents for CloudWatch\'s CONTROL_MESSAGE health check', () => {
    expect(transformSubscriptionEvent(fixture('control-message.event.json'))).toEqual({
      ok: true,
      value: { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', documents: [], rejected: [] },
    });
  });
});

describe('transformPayload', () => {
  it('picks the daily index from the UTC day of the alert time, else of the event time', () => {
    const before = Date.UTC(2024, 2, 2, 23, 59, 59, 999);
    const after = before + 1;
    const out = transformPayload(payload([
      { id: cloudWatchEventId(before, 0), timestamp: before, message: ALERT },
      { id: cloudWatchEventId(after, 1), timestamp: after, message: 'not an alert' },
      // The same alert delivered again after midnight: its index follows the alert (it is the same document).
      { id: cloudWatchEventId(after, 2), timestamp: after, message: ALERT },
    ]));
    expect(out.documents.map((d) => [d.index, d.document['@timestamp']])).toEqual([
      ['cwl-2024.03.02', '2024-03-02T23:59:59.999Z'],
      ['cwl-2024.03.03', '2024-03-03T00:00:00.000Z'],
      ['cwl-2024.03.02', '2024-03-03T00:00:00.000Z'],
    ]);
    expect(out.documents[2]?.id).toBe(out.documents[0]?.id);
  });

  it('gives a re-delivered alert the same document id, and different streams different ids', () => {
    const t = Date.UTC(2024, 2, 2, 14);
    const first = transformPayload(payload([{ id: cloudWatchEventId(t, 1), timestamp: t, message: ALERT }]));
    const again = transformPayload(payload([{ id: cloudWatchEventId(t + 60_000, 9), timestamp: t + 60_000, message: ALERT }]));
    const otherHost = transformPayload(payload([{ id: cloudWatchEventId(t, 1), timestamp: t, message: ALERT }], 'i-0ffcd4215a08b8e6c'));
    expect(again.documents[0]!.id).toBe(first.documents[0]!.id);
    expect(otherHost.documents[0]!.id).not.toBe(first.documents[0]!.id);
    expect(first.documents[0]!.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('uses the event id for a message without an alert id', () => {
    const t = Date.UTC(2024, 2, 2, 14);
    const id = cloudWatchEventId(t, 3);
    const out = transformPayload(payload([{ id, timestamp: t, message: '{"rule":{"level":7,"sidid":510,"comment":"c"}}' }, { id: cloudWatchEventId(t, 4), timestamp: t, message: 'x' }]));
    expect(out.documents[0]!.id).toBe(id);
    expect(out.documents[1]!.document.hidsmon).toEqual({ flags: ['not_an_alert'], parse_error: 'not_an_alert: Neither JSON nor an alerts.log record: no "{" and no "** Alert" header. (at 0)' });
    expect(out.documents[1]!.document['@message']).toBe('x');
  });

  it('rejects malformed log events one by one, naming the problem, and keeps the rest', () => {
    const t = Date.UTC(2024, 2, 2, 14);
    const out = transformPayload(payload([
      { id: '1', timestamp: t, message: ALERT },
      { id: '2', timestamp: 'yesterday', message: ALERT },
      { id: '', timestamp: t, message: ALERT },
      { id: '4', timestamp: t, message: { not: 'a string' } },
      null,
      { id: 6, timestamp: t, message: ALERT },
    ]));
    expect(out.documents.map((d) => d.document['@id'])).toEqual(['1', '6']);
    expect(out.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'timestamp must be integer epoch milliseconds'],
      [2, 'id must be a non-empty string'],
      [3, 'message must be a string'],
      [4, 'a log event must be an object'],
    ]);
  });
});

describe('transformSubscriptionEvent: corrupt deliveries are typed errors', () => {
  it.each([
    [{}, 'invalid_event'],
    [{ awslogs: { data: 42 } }, 'invalid_event'],
    [{ awslogs: { data: 'not base64!' } }, 'invalid_base64'],
    [{ awslogs: { data: 'abc' } }, 'invalid_base64'],
    [{ awslogs: { data: Buffer.from('plain text, not gzip').toString('base64') } }, 'invalid_gzip'],
    [{ awslogs: { data: gzipSync('{not json').toString('base64') } }, 'invalid_json'],
    [eventOf([1, 2]), 'invalid_payload'],
    [eventOf({ messageType: 'OTHER', owner: '', logGroup: '', logStream: '', logEvents: [] }), 'invalid_payload'],
    [eventOf({ messageType: 'DATA_MESSAGE', owner: 1, logGroup: '', logStream: '', logEvents: [] }), 'invalid_payload'],
    [eventOf({ messageType: 'DATA_MESSAGE', owner: '', logGroup: '', logStream: '', logEvents: {} }), 'invalid_payload'],
  ])('%j → %s', (event, code) => {
    const result = transformSubscriptionEvent(event);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.message.length).toBeGreaterThan(15);
    }
  });

  it('refuses a gzip bomb beyond the limit', () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)).toString('base64');
    const result = transformSubscriptionEvent({ awslogs: { data: bomb } }, { maxDecompressedBytes: 1024 * 1024 });
    expect(result).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
  });
});
