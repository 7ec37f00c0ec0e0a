/**
 * Vitest global set-up: one real OpenSearch node for the whole run, shared by every suite that
 * needs it (each suite keeps to indices and templates of its own prefix). It starts in the
 * background, so that suites that do not need it are not held up; `sharedOpenSearch()` waits for it.
 * HIDSMON_TEST_OPENSEARCH_URL points the suites at a node already running instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startOpenSearch, type OpenSearchNode } from '../../src/testing/opensearch.js';
import { freePort } from '../../src/testing/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    opensearch: { url: string; errorFile: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-opensearch-setup-'));
  const errorFile = join(dir, 'error.txt');
  const external = process.env['HIDSMON_TEST_OPENSEARCH_URL'];
  if (external) {
    project.provide('opensearch', { url: external.replace(/\/$/, ''), errorFile });
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  const port = await freePort();
  project.provide('opensearch', { url: `http://127.0.0.1:${port}`, errorFile });
  const starting: Promise<OpenSearchNode | undefined> = startOpenSearch({ port }).catch((error: Error) => {
    writeFileSync(errorFile, error.message);
    return undefined;
  });
  return async () => {
    const node = await starting;
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
