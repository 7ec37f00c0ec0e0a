import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './server-config.js';

const load = (text: string, env: NodeJS.ProcessEnv = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, defaultDataDir: '/tmp/x' });

describe('text_segments', () => {
  it('is on by default, and takes the file and $HIDSMON_TEXT_SEGMENTS', () => {
    const byDefault = load('port: 5601');
    expect(byDefault.ok && byDefault.value.textSegments).toBe(true);
    const fromFile = load('text_segments: false');
    expect(fromFile.ok && fromFile.value.textSegments).toBe(false);
    const fromEnv = load('text_segments: false', { HIDSMON_TEXT_SEGMENTS: 'true' });
    expect(fromEnv.ok && fromEnv.value.textSegments).toBe(true);
    const envOnly = load('port: 5601', { HIDSMON_TEXT_SEGMENTS: 'false' });
    expect(envOnly.ok && envOnly.value.textSegments).toBe(false);
  });

  it('names what is wrong', () => {
    const bad = load('text_segments: 1');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.join('\n')).toMatch(/text_segments: true or false/);
    const badEnv = load('port: 5601', { HIDSMON_TEXT_SEGMENTS: 'yes' });
    expect(badEnv.ok).toBe(false);
    if (!badEnv.ok) expect(badEnv.error.join('\n')).toMatch(/\$HIDSMON_TEXT_SEGMENTS: true or false/);
  });
});
