/** The route → role table: every viewer route open to both roles, every admin route to admins only, unknown routes closed. */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../core/principal.js';
import { authorize, ruleFor } from './authorization.js';

const viewer: Principal = { kind: 'api-token', id: 'tok-viewer', role: 'viewer' };
const admin: Principal = { kind: 'api-token', id: 'tok-admin', role: 'admin' };
const viewerSession: Principal = { kind: 'session', id: 's-1', tokenId: 'tok-viewer', role: 'viewer' };

const VIEWER_ROUTES: Array<[string, string]> = [
  ['POST', '/api/search'],
  ['GET', '/api/fields'],
  ['POST', '/api/fields/top'],
  ['GET', '/api/indices'],
  ['HEAD', '/api/indices'],
  ['GET', '/api/ingest'],
  ['GET', '/api/openapi.json'],
  ['GET', '/api/session'],
  ['GET', '/metrics'],
];
const ADMIN_ROUTES: Array<[string, string]> = [
  ['DELETE', '/api/indices/cwl-2024.03.02'],
  ['DELETE', '/api/indices/..%2F..%2Fetc'],
  ['GET', '/api/dead-letters'],
  ['DELETE', '/api/dead-letters/7'],
  ['GET', '/api/settings'],
  ['PUT', '/api/settings/retention'],
  ['GET', '/api/keys'],
  ['POST', '/api/keys'],
  ['DELETE', '/api/keys/AKIA0001'],
  ['GET', '/api/audit'],
  // Not in the table: closed by default, whatever it looks like.
  ['GET', '/api/indices/'],
  ['GET', '/api//indices'],
  ['POST', '/api/indices'],
  ['GET', '/api/new-route'],
];

describe('authorize', () => {
  it.each(VIEWER_ROUTES)('%s %s: viewer and admin', (method, path) => {
    expect(authorize(viewer, method, path).kind).toBe('allowed');
    expect(authorize(viewerSession, method, path).kind).toBe('allowed');
    expect(authorize(admin, method, path).kind).toBe('allowed');
  });

  it.each(ADMIN_ROUTES)('%s %s: admin only', (method, path) => {
    const denied = authorize(viewer, method, path);
    expect(denied.kind).toBe('denied');
    expect(denied.kind === 'denied' && denied.message).toMatch(/needs the admin role; token tok-viewer has viewer/);
    expect(authorize(viewerSession, method, path).kind).toBe('denied');
    expect(authorize(admin, method, path).kind).toBe('allowed');
  });

  it('nobody authenticated gets nothing', () => {
    expect(authorize({ kind: 'anonymous', id: '-' }, 'POST', '/api/search').kind).toBe('denied');
    expect(authorize({ kind: 'access-key', id: 'AKIA', arn: 'arn:aws:iam::1:user/x' }, 'GET', '/api/fields').kind).toBe('denied');
  });

  it('names the audit action of a change', () => {
    expect(ruleFor('DELETE', '/api/indices/cwl-2024.03.02').action).toBe('index:Delete');
    expect(ruleFor('GET', '/api/indices').action).toBeUndefined();
    expect(ruleFor('GET', '/api/keys').action).toBe('keys:List');
    expect(ruleFor('POST', '/api/keys').action).toBe('keys:Change');
    expect(ruleFor('HEAD', '/api/keys').action).toBe('keys:List');
  });
});
