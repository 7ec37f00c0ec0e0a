import { describe, expect, it } from 'vitest';
import { classifyLogEvents, MAX_BATCH_SPAN_MS, MAX_EVENT_AGE_MS, MAX_EVENT_AHEAD_MS } from './classify-log-events.js';

const NOW = Date.UTC(2024, 5, 1);
const DAY = 86_400_000;

describe('classifyLogEvents', () => {
  it('accepts a batch within the window', () => {
    expect(classifyLogEvents([NOW - 1000, NOW, NOW + 1000], NOW)).toEqual({ ok: true, value: { start: 0, end: 3 } });
  });

  it('rejects too old events from the front with an exclusive end index', () => {
    const r = classifyLogEvents([NOW - MAX_EVENT_AGE_MS - 2, NOW - MAX_EVENT_AGE_MS - 1, NOW - MAX_EVENT_AGE_MS, NOW], NOW);
    // An event exactly 14 days old is kept, and then the kept events span 14 days.
    expect(r).toEqual({ ok: false, error: { kind: 'span-too-long' } });
    const r2 = classifyLogEvents([NOW - MAX_EVENT_AGE_MS - 2, NOW - MAX_EVENT_AGE_MS - 1, NOW], NOW);
    expect(r2).toEqual({ ok: true, value: { start: 2, end: 3, rejected: { tooOldLogEventEndIndex: 2 } } });
  });

  it('rejects too new events from the back with an inclusive start index', () => {
    const r = classifyLogEvents([NOW, NOW + MAX_EVENT_AHEAD_MS, NOW + MAX_EVENT_AHEAD_MS + 1, NOW + MAX_EVENT_AHEAD_MS + 5], NOW);
    expect(r).toEqual({ ok: true, value: { start: 0, end: 2, rejected: { tooNewLogEventStartIndex: 2 } } });
  });

  it('rejects events older than the retention as expired', () => {
    const r = classifyLogEvents([NOW - 3 * DAY, NOW - 2 * DAY, NOW - 1000], NOW, 1);
    expect(r).toEqual({ ok: true, value: { start: 2, end: 3, rejected: { expiredLogEventEndIndex: 2 } } });
    const both = classifyLogEvents([NOW - 20 * DAY, NOW - 10 * DAY, NOW - 1000], NOW, 7);
    expect(both).toEqual({ ok: true, value: { start: 2, end: 3, rejected: { tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 2 } } });
  });

  it('reports all three when only the middle is kept, and an empty middle', () => {
    const r = classifyLogEvents([NOW - 15 * DAY, NOW, NOW + 3 * 3_600_000], NOW);
    expect(r).toEqual({ ok: true, value: { start: 1, end: 2, rejected: { tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 2 } } });
    const none = classifyLogEvents([NOW - 15 * DAY, NOW + 3 * 3_600_000], NOW);
    expect(none).toEqual({ ok: true, value: { start: 1, end: 1, rejected: { tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 1 } } });
  });

  it('refuses accepted events spanning more than 24 hours, but not rejected ones', () => {
    expect(classifyLogEvents([NOW - MAX_BATCH_SPAN_MS, NOW], NOW).ok).toBe(true);
    expect(classifyLogEvents([NOW - MAX_BATCH_SPAN_MS - 1, NOW], NOW)).toEqual({ ok: false, error: { kind: 'span-too-long' } });
    expect(classifyLogEvents([NOW - 20 * DAY, NOW - 1, NOW], NOW).ok).toBe(true);
  });
});
