/** `notifications:` in hidsmon.yaml: read into the server's configuration, its problems listed with the others. */
import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './server-config.js';

const load = (text: string, env: Record<string, string> = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, defaultDataDir: '/tmp/d' });

describe('notifications: in hidsmon.yaml', () => {
  it('is absent by default, and read with secrets from the environment', () => {
    const none = load('port: 1');
    expect(none.ok && none.value.notifications).toBeUndefined();
    const yaml = [
      'notifications:',
      '  base_url: https://hidsmon.example.com',
      '  throttle_minutes: 15',
      '  channels:',
      '    - {id: soc, type: webhook, url: "https://soc.example.com/hook", secret_env: SOC_SECRET}',
      '  routes:',
      '    - {channels: [soc], severities: [high, critical]}',
    ].join('\n');
    const loaded = load(yaml, { SOC_SECRET: 'whsec-0123456789abcdef' });
    expect(loaded.ok).toBe(true);
    expect(loaded.ok && loaded.value.notifications).toEqual({
      baseUrl: 'https://hidsmon.example.com',
      throttleMinutes: 15,
      channels: [{ id: 'soc', type: 'webhook', url: 'https://soc.example.com/hook', secret: 'whsec-0123456789abcdef' }],
      routes: [{ channels: ['soc'], severities: ['high', 'critical'] }],
    });
  });

  it('lists its problems with the rest of the file', () => {
    const loaded = load('port: -1\nnotifications:\n  channels:\n    - {id: soc, type: webhook, url: "https://x.example", secret_env: MISSING}\n');
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.error).toEqual(expect.arrayContaining([expect.stringMatching(/port/), 'hidsmon.yaml: notifications.channels[0].secret_env: $MISSING is not set (or empty).']));
  });
});
