import { describe, expect, it } from 'vitest';
import { sharedOpenSearch } from './opensearch.js';

describe('the shared OpenSearch node', () => {
  it('is a real OpenSearch 2.19 answering on loopback', async () => {
    const url = await sharedOpenSearch();
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const info = (await (await fetch(url)).json()) as { version: { distribution: string; number: string } };
    expect(info.version.distribution).toBe('opensearch');
    expect(info.version.number).toMatch(/^2\.19\./);
  }, 200_000);
});
