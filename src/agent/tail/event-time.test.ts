/**
 * The agent's event time: its fast path for JSON alert lines must give what the full mechanism
 * (parseAlert + normalizeAlert, the forwarder's) gives, for every sample alert and for the edge
 * shapes, in every input format; else the agent and the index would disagree on an alert's time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValidTimeMs } from '../../core/time.js';
import { parseAlert } from '../../transforms/parse-alert.js';
import { normalizeAlert } from '../../transforms/normalize.js';
import { eventTimeOf } from './event-time.js';
import { INPUT_FORMATS, type InputFormat } from './record-reader.js';

const READ_TIME = 1_234_567_890_123;
/** What eventTimeOf gave before its fast path: the full mechanism only. */
function reference(text: string, format: InputFormat): number {
  if (format === 'raw') return READ_TIME;
  const parsed = parseAlert(text, format === 'auto' ? undefined : format);
  if (!parsed.ok) return READ_TIME;
  const timeMs = normalizeAlert(parsed.value).timeMs;
  return timeMs !== undefined && isValidTimeMs(timeMs) ? Math.trunc(timeMs) : READ_TIME;
}

const samples = join(import.meta.dirname, '../../../test/fixtures/samples');
const sampleLines = readdirSync(samples)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => readFileSync(join(samples, f), 'utf8').split('\n').filter((l) => l.trim() !== ''));

const edge = [
  '{"rule":{"level":5,"comment":"c","sidid":1},"id":"1700000000.1","TimeStamp":1600000000000}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"id":1700000000.1,"TimeStamp":1600000000000}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"id":"not-a-time","TimeStamp":1600000000000}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"id":"","timestamp":"2024-01-02T03:04:05Z"}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"timestamp":"2024 Jan 02 03:04:05"}',
  '{"rule":{"level":3,"id":"5716","description":"d"},"id":"1700000000.2","timestamp":"2024-01-02T03:04:05.000+0000"}',
  '{"rule":{"level":3,"id":"5716","description":"d"},"id":"1700000000.2","timestamp":"yesterday"}',
  '{"rule":{"level":3,"id":"5716","description":"d"},"timestamp":"2024-01-02T03:04:05.000+0000","data":{"id":"1.1"}}',
  '{"rule":{"level":3,"id":"5716","description":"d"},"data":{"id":"1600000000.9","timestamp":"2020-01-01T00:00:00Z"}}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"id":"99999999999999.1"}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"__proto__":{"id":"1600000000.1"},"id":"1700000000.3"}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"@timestamp":"2020-01-01T00:00:00Z","id":"1700000000.4"}',
  '{"rule":{"level":5,"comment":"c","sidid":1},"id":"1700000000.5","id":"1600000000.5"}',
  '2024 Jan 02 03:04:05 host {"rule":{"level":5,"comment":"c","sidid":1},"id":"1700000000.6"}',
  ' {"rule":{"level":5,"comment":"c","sidid":1},"id":"1700000000.7"}',
  '{"rule":{"comment":"c","sidid":1},"id":"1700000000.8"}',
  '{"no":"rule","id":"1700000000.9"}',
  '["not","an","object"]',
  '{"rule":{"level":5,"comment":"c"',
  '** Alert 1700000000.10: - syslog,\n2024 Jan 02 03:04:05 host->/var/log/secure\nRule: 1 (level 5) -> \'c\'\nline',
  'plain text',
];

describe('eventTimeOf', () => {
  it('gives what the full parse-and-normalize gives, for every sample alert and edge shape, in every format', () => {
    expect(sampleLines.length).toBeGreaterThan(20);
    const mismatches: string[] = [];
    for (const text of [...sampleLines, ...edge]) {
      for (const format of INPUT_FORMATS) {
        const got = eventTimeOf(text, format, READ_TIME);
        const want = reference(text, format);
        if (got !== want) mismatches.push(`${format}: ${got} != ${want}: ${text.slice(0, 120)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('takes the alert id or the Wazuh timestamp, not the read time, for the common lines', () => {
    expect(eventTimeOf(edge[0]!, 'auto', READ_TIME)).toBe(1_700_000_000_000);
    expect(eventTimeOf(edge[5]!, 'wazuh-json', READ_TIME)).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(eventTimeOf('plain text', 'raw', READ_TIME)).toBe(READ_TIME);
  });
});
