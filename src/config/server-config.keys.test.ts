import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './server-config.js';

const ID = 'AKIAHIDSMONHOST0001';
const SECRET = 'Zx8kQ2vLp5Rt9Wm3Nc7Bh4Jd';
const load = (text: string, env: Record<string, string> = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, defaultDataDir: '/tmp/x' });

describe('access_keys profiles in hidsmon.yaml and the environment', () => {
  it('keep the profile and log groups they are given; without a profile the key is left to the default (agent)', () => {
    const config = load(`access_keys:\n  - { id: ${ID}, secret: ${SECRET} }\n  - { id: AKIAHIDSMONOPS00001, secret: ${SECRET}x, profile: admin, log_groups: [hids-*] }\n`);
    expect(config.ok && config.value.accessKeys).toEqual([
      { id: ID, secret: SECRET },
      { id: 'AKIAHIDSMONOPS00001', secret: `${SECRET}x`, profile: 'admin', logGroups: ['hids-*'] },
    ]);
  });

  it('name a wrong profile or log group list', () => {
    const config = load(`access_keys:\n  - { id: ${ID}, secret: ${SECRET}, profile: root }\n  - { id: ${ID}, secret: ${SECRET}, log_groups: "a:b" }\n`);
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.error.join('\n')).toMatch(/access_keys\[0\]\.profile: agent \(ship and describe; the default\) or admin/);
    expect(config.error.join('\n')).toMatch(/access_keys\[1\]\.log_groups: a list of log group names or globs/);
  });

  it('$HIDSMON_ACCESS_KEY_PROFILE gives the environment key its profile', () => {
    const env = { HIDSMON_ACCESS_KEY_ID: ID, HIDSMON_SECRET_ACCESS_KEY: SECRET };
    const admin = load('', { ...env, HIDSMON_ACCESS_KEY_PROFILE: 'admin' });
    expect(admin.ok && admin.value.accessKeys).toEqual([{ id: ID, secret: SECRET, profile: 'admin' }]);
    const bad = load('', { ...env, HIDSMON_ACCESS_KEY_PROFILE: 'everything' });
    expect(!bad.ok && bad.error.join('\n')).toMatch(/\$HIDSMON_ACCESS_KEY_PROFILE: agent .* not "everything"/);
  });
});
