/**
 * The post-login redirect: known open-redirect bypasses go to `/`; the views the UI links to go
 * where they say. Each refused case is checked against Node's WHATWG URL parser (the one browsers
 * implement) to show what the old "starts with / but not //" check let through.
 */
import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from './safe-redirect.js';

const ORIGIN = 'http://hidsmon.test:5601';
const oldCheck = (next: string): string => (next.startsWith('/') && !next.startsWith('//') ? next : '/');

const BYPASSES: Array<[string, string]> = [
  ['protocol-relative', '//evil.example'],
  ['protocol-relative, path', '//evil.example/login'],
  ['backslash after slash', '/\\evil.example'],
  ['two backslashes', '\\\\evil.example'],
  ['backslash then slash', '\\/evil.example'],
  ['TAB between slashes', '/\t/evil.example'],
  ['LF between slashes', '/\n/evil.example'],
  ['CR between slashes', '/\r/evil.example'],
  ['TAB before the slashes', '\t//evil.example'],
  ['leading space', ' //evil.example'],
  ['encoded TAB', '/%09/evil.example'],
  ['encoded slashes', '/%2F%2Fevil.example'],
  ['encoded slashes, lower case', '/%2f%2fevil.example'],
  ['encoded backslash', '/%5Cevil.example'],
  ['double-encoded slashes', '/%252F%252Fevil.example'],
  ['absolute https URL', 'https://evil.example/'],
  ['scheme without slashes', 'https:evil.example'],
  ['javascript: URL', 'javascript:alert(document.cookie)'],
  ['data: URL', 'data:text/html,<script>alert(1)</script>'],
  ['NUL', '/\u0000/evil.example'],
  ['line separator', '/\u2028/evil.example'],
  ['malformed percent-encoding', '/%E0%A4%A'],
  ['empty', ''],
  ['relative path', 'dashboard'],
];

const KEPT = ['/', '/discover', '/dashboard?q=rule.level%3A%3E%3D10&from=now-24h&to=now', '/discover?q=user%3A%22a%5Cb%22+AND+x#top', '/discover?q=%2F%2Fnot-a-host'];

describe('safeRedirectPath', () => {
  it.each(BYPASSES)('%s (%j) goes to /', (_, next) => {
    expect(safeRedirectPath(next)).toBe('/');
  });

  it('refuses what is not a string or is too long', () => {
    expect(safeRedirectPath(undefined)).toBe('/');
    expect(safeRedirectPath(['/x'])).toBe('/');
    expect(safeRedirectPath(`/${'a'.repeat(5000)}`)).toBe('/');
  });

  it.each(KEPT)('keeps the same-origin view %j', (next) => {
    expect(safeRedirectPath(next)).toBe(next);
    expect(new URL(safeRedirectPath(next), ORIGIN).origin).toBe(ORIGIN);
  });

  it('the old check let the reported cases leave the site (so this test would have failed before)', () => {
    for (const next of ['/\\evil.example', '/\t/evil.example', '/\n/evil.example']) {
      expect(new URL(oldCheck(next), ORIGIN).host, JSON.stringify(next)).toBe('evil.example');
      expect(new URL(safeRedirectPath(next), ORIGIN).origin).toBe(ORIGIN);
    }
  });
});
