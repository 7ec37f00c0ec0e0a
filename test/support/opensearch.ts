/**
 * The run's shared OpenSearch node (see opensearch.global.ts) for a test file: resolves with its
 * URL once the cluster is yellow, or fails with the reason it could not start. A suite that needs
 * OpenSearch never skips: without a node it fails and says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';

export async function sharedOpenSearch(timeoutMs = 180_000): Promise<string> {
  const { url, errorFile } = inject('opensearch');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(errorFile)) throw new Error(readFileSync(errorFile, 'utf8'));
    const healthy = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
    if (healthy) return url;
    if (Date.now() > deadline) throw new Error(`OpenSearch at ${url} was not ready within ${timeoutMs} ms (see scripts/ensure-opensearch.sh)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A prefix of its own for a suite's indices and templates on the shared node: `t<random>-`. */
export function testIndexPrefix(): string {
  return `t${Math.random().toString(36).slice(2, 10)}-`;
}
