import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './server-config.js';

const load = (text: string, env: NodeJS.ProcessEnv = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, defaultDataDir: '/tmp/x' });

describe('text_count_cache', () => {
  it('is on by default, and takes the file and $HIDSMON_TEXT_COUNT_CACHE', () => {
    const byDefault = load('port: 5601');
    expect(byDefault.ok && byDefault.value.textCountCache).toBe(true);
    const fromFile = load('text_count_cache: false');
    expect(fromFile.ok && fromFile.value.textCountCache).toBe(false);
    const fromEnv = load('text_count_cache: false', { HIDSMON_TEXT_COUNT_CACHE: 'true' });
    expect(fromEnv.ok && fromEnv.value.textCountCache).toBe(true);
  });

  it('names what is wrong', () => {
    const bad = load('text_count_cache: sometimes');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.join('\n')).toMatch(/text_count_cache: true or false/);
    const badEnv = load('port: 5601', { HIDSMON_TEXT_COUNT_CACHE: 'off' });
    expect(badEnv.ok).toBe(false);
    if (!badEnv.ok) expect(badEnv.error.join('\n')).toMatch(/\$HIDSMON_TEXT_COUNT_CACHE: true or false/);
  });
});
