/** The OpenAPI document and the role table agree: every documented authenticated operation has its own rule, and says its role. */
import { describe, expect, it } from 'vitest';
import { ROUTE_ROLES, ruleFor } from './authorization.js';
import { OPENAPI_DOCUMENT } from './openapi.js';

describe('OpenAPI roles', () => {
  const operations = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

  it('every authenticated operation is in the role table (none falls to the closed default) and carries x-required-role', () => {
    for (const { path, method, op } of operations) {
      if (Array.isArray(op['security']) && op['security'].length === 0) continue;
      const rule = ruleFor(method, path.replace(/\{[^}]+\}/g, 'x'));
      expect(ROUTE_ROLES, `${method} ${path}`).toContain(rule);
      expect(op['x-required-role'], `${method} ${path}`).toBe(rule.role);
    }
  });

  it('names the roles the issue asks for', () => {
    const role = (path: string, method: string) => (OPENAPI_DOCUMENT.paths[path]?.[method] as Record<string, unknown>)['x-required-role'];
    expect(role('/api/search', 'post')).toBe('viewer');
    expect(role('/api/indices', 'get')).toBe('viewer');
    expect(role('/api/ingest', 'get')).toBe('viewer');
    expect(role('/api/indices/{name}', 'delete')).toBe('admin');
    expect(role('/api/dead-letters', 'get')).toBe('admin');
    expect(role('/api/keys', 'get')).toBe('admin');
    expect(OPENAPI_DOCUMENT.paths['/login']?.['post']?.['security']).toEqual([]);
  });
});
