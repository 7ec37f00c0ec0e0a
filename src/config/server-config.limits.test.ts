import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, loadServerConfig } from './server-config.js';

const load = (text: string) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env: {}, defaultDataDir: '/tmp/x' });

describe('limits in hidsmon.yaml', () => {
  it("default to OpenSearch's", () => {
    const config = load('port: 5601');
    expect(config.ok && config.value.limits).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toMatchObject({ maxClauseCount: 1024, maxTermsCount: 65_536, maxBuckets: 65_535, maxFuzzyExpansions: 50, maxResultWindow: 10_000, maxFields: 1000, maxRequestBodyBytes: 1_048_576 });
  });

  it('take overrides and keep the other defaults', () => {
    const config = load('limits:\n  max_clause_count: 64\n  search_timeout_ms: 0\n');
    expect(config.ok && config.value.limits).toEqual({ ...DEFAULT_LIMITS, maxClauseCount: 64, searchTimeoutMs: 0 });
  });

  it('name what is wrong', () => {
    const config = load('limits:\n  max_clause_count: -1\n  max_things: 3\n  constructor: 1\n');
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.error.join('\n')).toMatch(/limits\.max_clause_count: a whole number of at least 1/);
    expect(config.error.join('\n')).toMatch(/limits\.max_things: unknown limit/);
    expect(config.error.join('\n')).toMatch(/limits\.constructor: unknown limit/);
    expect(load('limits: 5').ok).toBe(false);
  });
});
