/**
 * Property tests: arbitrary input to every parser and to the transform never throws, and the
 * transform never loses an event (each becomes a document or a rejection).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAlert } from './parse-alert.js';
import { parseAlertsLogRecord } from './parse-alerts-log.js';
import { parseJsonAlert, parseOssecJson, parseWazuhJson } from './parse-json-alert.js';
import { splitAlertRecords } from './split-alert-records.js';
import { documentFromLogEvent } from './to-document.js';
import { decodeSubscriptionData, transformPayload, transformSubscriptionEvent } from './transform-subscription.js';

const RUNS = { numRuns: 3000 };
const bytesAsText = fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1'));
const utf8Garbage = fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('utf8'));
/** Texts near the formats, where parsers have the most branches. */
const nearAlert = fc.oneof(
  fc.json().map((j) => j),
  fc.jsonValue().map((v) => JSON.stringify({ rule: v })),
  fc.record({ rule: fc.record({ level: fc.jsonValue(), sidid: fc.jsonValue(), comment: fc.jsonValue(), group: fc.jsonValue(), groups: fc.jsonValue() }), srcip: fc.jsonValue(), dstip: fc.jsonValue(), location: fc.jsonValue(), hostname: fc.jsonValue(), decoder: fc.jsonValue(), data: fc.jsonValue(), TimeStamp: fc.jsonValue(), id: fc.jsonValue(), timestamp: fc.jsonValue() }, { requiredKeys: ['rule'] }).map((o) => JSON.stringify(o)),
  fc.record({ rule: fc.record({ level: fc.jsonValue(), id: fc.jsonValue(), description: fc.jsonValue(), groups: fc.jsonValue() }), data: fc.jsonValue(), agent: fc.jsonValue(), predecoder: fc.jsonValue(), decoder: fc.jsonValue(), timestamp: fc.string() }, { requiredKeys: ['rule'] }).map((o) => JSON.stringify(o)),
  fc.array(fc.oneof(fc.constantFrom('** Alert 1.2: mail  - a,b,', '2024 Mar 02 14:36:40 (x) 1.2.3.4->syscheck', "Rule: 5 (level 3) -> 'c'", 'Src IP: 1.2.3.4', 'User: (none)', 'File \'/x\' added', 'a: b', '', 'Mar  2 14:36:40 h x'), fc.string()), { maxLength: 12 }).map((lines) => lines.join('\n')),
);
const anyText = fc.oneof(bytesAsText, utf8Garbage, fc.string(), fc.string({ unit: 'binary' }), nearAlert);

describe('parsers never throw', () => {
  it.each([
    ['parseAlert', parseAlert],
    ['parseJsonAlert', parseJsonAlert],
    ['parseOssecJson', parseOssecJson],
    ['parseWazuhJson', parseWazuhJson],
    ['parseAlertsLogRecord', parseAlertsLogRecord],
    ['splitAlertRecords', splitAlertRecords],
  ] as const)('%s', (_name, parse) => {
    fc.assert(fc.property(anyText, (text) => {
      parse(text as never);
    }), RUNS);
  });

  it('documentFromLogEvent always gives a document that keeps the message', () => {
    fc.assert(fc.property(anyText, fc.integer({ min: -8.64e15, max: 8.64e15 }), (message, timestampMs) => {
      const doc = documentFromLogEvent({ eventId: 'e', timestampMs, message, owner: 'o', logGroup: 'g', logStream: 's' });
      expect(doc.document['@message']).toBe(message);
      expect(doc.index).toMatch(/^cwl-/);
      JSON.stringify(doc);
    }), RUNS);
  });
});

describe('the transform never throws and loses no event', () => {
  it('on arbitrary Lambda events and awslogs.data strings', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.record({ awslogs: fc.record({ data: fc.oneof(fc.string(), fc.base64String()) }) })), (event) => {
      transformSubscriptionEvent(event);
    }), RUNS);
  });

  it('on arbitrary gzip content', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? ''))), (bytes) => {
      decodeSubscriptionData(gzipSync(bytes).toString('base64'));
    }), RUNS);
  });

  it('on arbitrary log events: each is a document or a rejection', () => {
    const event = fc.oneof(fc.jsonValue(), fc.record({ id: fc.oneof(fc.string(), fc.integer()), timestamp: fc.oneof(fc.integer(), fc.double(), fc.string()), message: fc.oneof(anyText, fc.jsonValue()) }));
    fc.assert(fc.property(fc.array(event, { maxLength: 20 }), (events) => {
      const out = transformPayload({ messageType: 'DATA_MESSAGE', owner: 'o', logGroup: 'g', logStream: 's', subscriptionFilters: [], logEvents: events });
      expect(out.documents.length + out.rejected.length).toBe(events.length);
    }), { numRuns: 1000 });
  });
});
