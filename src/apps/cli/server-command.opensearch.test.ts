/**
 * `hidsmon server --backend opensearch`: a missing or malformed URL stops the start with the
 * setting to fix (exit 2); a node that is not there does not (the server starts and says so).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli-harness.js';
import { freePort } from '../../testing/processes.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-cli-os-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = (name: string): string => join(tmp, name);

describe('hidsmon server --backend opensearch', () => {
  it('lists the flags in --help', async () => {
    const run = await runCli(['server', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--backend B\s+embedded .* or\s+opensearch/s);
    expect(run.stdout).toMatch(/--opensearch-url URL/);
  });

  it('exits 2 naming what to set when the URL is missing or malformed', async () => {
    const missing = await runCli(['server', '--backend', 'opensearch', '--data', data('missing'), '--port', '0'], { signal: AbortSignal.timeout(20_000) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--backend: the opensearch backend needs the cluster's URL: set opensearch\.url in hidsmon\.yaml, \$HIDSMON_OPENSEARCH_URL or --opensearch-url/);
    const malformed = await runCli(['server', '--backend', 'opensearch', '--opensearch-url', 'ftp://127.0.0.1:9200', '--data', data('malformed'), '--port', '0'], { signal: AbortSignal.timeout(20_000) });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--opensearch-url: "ftp:\/\/127\.0\.0\.1:9200" is not an http or https URL/);
    const wrong = await runCli(['server', '--backend', 'elastic', '--data', data('wrong'), '--port', '0'], { signal: AbortSignal.timeout(20_000) });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--backend: "elastic" is not a backend/);
  });

  it('starts with the node unreachable, and says where it indexes', async () => {
    // A port nothing listens on: connections are refused.
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['server', '--backend', 'opensearch', '--opensearch-url', url, '--data', data('down'), '--port', '0'], { signal: AbortSignal.timeout(4000) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Index:              OpenSearch at ${url} (daily indices cwl-YYYY.MM.DD`);
  });
});
