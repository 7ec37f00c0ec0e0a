/**
 * One API contract (issue 13 item 9): web/ takes the JSON shapes of /api from src/api/contract.ts
 * with type-only imports, so that the built bundle holds no server code: every import of web/src
 * that leaves web/ is `import type` / `export type` of the contract (or a pure module shared on
 * purpose, SHARED_AT_RUN_TIME), and the built bundle names none of the server's modules or
 * dependencies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const WEB = join(ROOT, 'web/src');

/**
 * Pure modules that the UI runs as the server does, on purpose: one mechanism for both (a CSV cell
 * is neutralized the same in a streamed export and in a panel's CSV; local times and daylight-saving
 * gaps are read the same by the picker and by the histograms). They do no I/O and import only pure
 * modules; the bundle check below keeps server code out all the same.
 */
const SHARED_AT_RUN_TIME = ['src/query/export-format.js', 'src/core/time-zone.js'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('the API contract', () => {
  it('reaches web/ as types only', () => {
    const outside: string[] = [];
    for (const file of sources(WEB)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?\s+from\s+'([^']+)'/gms)) {
        const [statement, , typeOnly, from] = m as unknown as [string, string, string | undefined, string];
        if (!from.startsWith('.')) continue;
        const target = resolve(file, '..', from);
        if (target.startsWith(resolve(ROOT, 'web'))) continue;
        outside.push(`${relative(ROOT, file)}: ${statement.split('\n')[0]}`);
        const module = relative(ROOT, target);
        if (SHARED_AT_RUN_TIME.includes(module)) continue;
        expect(typeOnly, `${relative(ROOT, file)} takes ${from} at run time`).toBe('type ');
        expect(module).toBe('src/api/contract.js');
      }
    }
    expect(outside.length).toBeGreaterThan(0);
  });

  it('is not in the built bundle, nor is any server code', () => {
    const assets = join(ROOT, 'dist/web/assets');
    if (!existsSync(assets)) throw new Error('The web UI is not built (dist/web/assets is missing). Run `npm run build` first; `npm test` does.');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
    expect(js.length).toBeGreaterThan(0);
    for (const marker of ['@duckdb/node-api', 'DuckDBInstance', 'node:fs', 'node:crypto', 'hono', '@opensearch-project', 'SavedObjectStore', 'aggregationsJson']) expect(js, marker).not.toContain(marker);
  });
});
