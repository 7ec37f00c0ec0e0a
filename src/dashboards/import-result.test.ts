import { describe, expect, it } from 'vitest';
import { describeImportError, readImportResponse } from './import-result.js';

describe('readImportResponse', () => {
  it('is imported only when Dashboards says success with no errors', () => {
    expect(readImportResponse(200, { success: true, successCount: 8 })).toEqual({ kind: 'imported', successCount: 8 });
    expect(readImportResponse(200, { success: false, successCount: 7, errors: [{ id: 'v', type: 'visualization', title: 'V', error: { type: 'conflict' } }] })).toEqual({
      kind: 'refused',
      successCount: 7,
      errors: [{ id: 'v', type: 'visualization', title: 'V', error: { type: 'conflict' } }],
    });
  });

  it('fails on another status with Dashboards\' message and a hint, and on a body that is not an import result', () => {
    expect(readImportResponse(400, { statusCode: 400, error: 'Bad Request', message: 'Invalid file extension .txt' })).toEqual({ kind: 'failed', status: 400, message: 'Dashboards answered HTTP 400: Invalid file extension .txt.' });
    expect(readImportResponse(302, undefined, '', '/login?next=x')).toMatchObject({ kind: 'failed', message: expect.stringMatching(/HTTP 302: redirect to \/login\?next=x\. It redirects/) });
    expect(readImportResponse(502, undefined, '<html>Bad gateway</html>')).toMatchObject({ message: 'Dashboards answered HTTP 502: <html>Bad gateway</html>.' });
    expect(readImportResponse(200, { acknowledged: true })).toMatchObject({ kind: 'failed', message: expect.stringMatching(/not a saved objects import result/) });
    expect(readImportResponse(200, undefined, 'not json')).toMatchObject({ kind: 'failed' });
  });

  it('keeps what it can of malformed errors', () => {
    const outcome = readImportResponse(200, { success: false, successCount: 0, errors: [null, { id: 1, error: 'x' }] });
    expect(outcome).toEqual({ kind: 'refused', successCount: 0, errors: [{ id: '1', type: '?', error: { type: 'unknown' } }] });
  });
});

describe('describeImportError', () => {
  it('says what to do for each kind of refusal', () => {
    expect(describeImportError({ id: 'd', type: 'dashboard', title: 'HIDS Alerts', error: { type: 'ambiguous_conflict' } })).toBe('dashboard "HIDS Alerts" (d) already exists; run again with --overwrite to replace it.');
    expect(describeImportError({ id: 'v', type: 'visualization', error: { type: 'missing_references', references: [{ type: 'index-pattern', id: 'cwl-2017.*' }] } })).toBe(
      'visualization "v" (v) refers to objects that are neither in the file nor in Dashboards: index-pattern cwl-2017.*.',
    );
    expect(describeImportError({ id: 'x', type: 'lens', error: { type: 'unsupported_type' } })).toBe('lens "x" (x): this Dashboards does not know the type lens.');
    expect(describeImportError({ id: 'x', type: 'search', error: { type: 'unknown', message: 'Document contains at least one immense term' } })).toBe('search "x" (x): Document contains at least one immense term.');
  });
});
