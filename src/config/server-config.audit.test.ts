import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './server-config.js';

const load = (text: string, env: NodeJS.ProcessEnv = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, defaultDataDir: '/tmp/x' });

describe('audit_retention_days', () => {
  it('defaults to 90 days, takes the file and $HIDSMON_AUDIT_RETENTION_DAYS (0 keeps everything)', () => {
    const byDefault = load('port: 5601');
    expect(byDefault.ok && byDefault.value.auditRetentionDays).toBe(90);
    const fromFile = load('audit_retention_days: 365');
    expect(fromFile.ok && fromFile.value.auditRetentionDays).toBe(365);
    const fromEnv = load('audit_retention_days: 365', { HIDSMON_AUDIT_RETENTION_DAYS: '0' });
    expect(fromEnv.ok && fromEnv.value.auditRetentionDays).toBe(0);
  });

  it('names what is wrong', () => {
    const bad = load('audit_retention_days: -3');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.join('\n')).toMatch(/audit_retention_days: a whole number of days/);
  });
});
