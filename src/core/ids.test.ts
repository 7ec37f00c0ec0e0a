import { describe, expect, it } from 'vitest';
import { alertDocumentId, documentIdentity } from './ids.js';

describe('documentIdentity', () => {
  const base = { logGroup: 'g', logStream: 's', eventId: '0042', eventTimeMs: Date.UTC(2024, 2, 5, 12) };

  it('places an alert by the time in its id first, then by its own time, then by the event time', () => {
    const own = Date.UTC(2024, 2, 3, 9);
    expect(documentIdentity({ ...base, alertId: '1709337600.7', alertTimeMs: own })).toEqual({ index: 'cwl-2024.03.02', id: alertDocumentId('g', 's', '1709337600.7'), timeMs: 1709337600000 });
    expect(documentIdentity({ ...base, alertId: 'abc', alertTimeMs: own })).toEqual({ index: 'cwl-2024.03.03', id: alertDocumentId('g', 's', 'abc'), timeMs: own });
    expect(documentIdentity({ ...base, alertId: 'abc', alertTimeMs: Number.NaN })).toMatchObject({ index: 'cwl-2024.03.05', timeMs: base.eventTimeMs });
    expect(documentIdentity({ ...base, alertId: '999999999999.1' }).timeMs).toBe(999999999999000);
  });

  it('identifies an event without a usable alert id by its event id and time', () => {
    expect(documentIdentity({ ...base, alertId: '' }, 'x-')).toEqual({ index: 'x-2024.03.05', id: '0042', timeMs: base.eventTimeMs });
  });

  it('keeps the ids of already-indexed documents (128 bits of SHA-256 of group, stream and alert id)', () => {
    expect(alertDocumentId('hids-alerts', 'i-0e427a8594852eca2', '1709337600.1314')).toMatch(/^[0-9a-f]{32}$/);
    expect(alertDocumentId('a', 'b', 'c')).toBe('8badde10c760e9b702defb4b5e225de7');
  });
});
