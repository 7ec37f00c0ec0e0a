/**
 * Saved searches are the server's, not the index's: on the embedded store and on a real OpenSearch
 * node (`backend: opensearch`) alike, one saved through the server's API is there, unchanged,
 * after the server restarts on the same data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedOpenSearch, testIndexPrefix } from '../../../test/support/opensearch.js';
import { DEFAULTS, type Backend, type ServerConfig } from '../../config/server-config.js';
import { openSearchClient } from '../../sinks/opensearch/connection.js';
import { indexTemplateName } from '../../sinks/opensearch/index-template.js';
import { startServer } from '../../apps/server/server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-saved-backends-'));
const TOKEN = 'saved-backends-token-0123456789abcdef';
const prefix = testIndexPrefix();
afterAll(async () => {
  const client = openSearchClient({ url: await sharedOpenSearch() });
  await client.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
  await client.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
  await client.close();
  rmSync(tmp, { recursive: true, force: true });
});

const SAVED = { name: 'Level 10+ on the test host', query: 'rule.level:>=10', filters: [{ field: '@log_stream', value: 'i-0e427a8594852eca2', negate: false, disabled: false }], columns: ['rule.comment'], sort: [{ field: 'rule.level', order: 'desc' }], time: { from: 'now-7d', to: 'now' } };

describe.each<Backend>(['embedded', 'opensearch'])('saved searches on the %s backend', (backend) => {
  it('survive a restart of the server', { timeout: 120_000 }, async () => {
    const config: ServerConfig = { ...DEFAULTS, port: 0, dataDir: join(tmp, backend), apiTokens: [TOKEN], retentionDays: 0, backend, ...(backend === 'opensearch' ? { openSearch: { url: await sharedOpenSearch(), indexPrefix: prefix } } : {}) };
    const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const first = await startServer(config, { logger: pino({ level: 'silent' }) });
    let created: { id: string };
    try {
      const response = await fetch(`${first.url}/api/saved/searches`, { method: 'POST', headers: auth, body: JSON.stringify(SAVED) });
      expect(response.status).toBe(201);
      created = (await response.json()) as { id: string };
    } finally {
      await first.stop();
    }
    const second = await startServer(config, { logger: pino({ level: 'silent' }) });
    try {
      const got = await fetch(`${second.url}/api/saved/searches/${created.id}`, { headers: auth });
      expect(got.status).toBe(200);
      expect(await got.json()).toMatchObject({ ...SAVED, id: created.id, type: 'search' });
      const audit = (await (await fetch(`${second.url}/api/audit?action=savedSearch:*`, { headers: auth })).json()) as { entries: Array<{ action: string; resource: string }> };
      expect(audit.entries).toMatchObject([{ action: 'savedSearch:Create', resource: created.id }]);
    } finally {
      await second.stop();
    }
  });
});
