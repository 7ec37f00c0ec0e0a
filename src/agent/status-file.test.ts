import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStatusFile, renderStatus, writeStatusFile, type AgentStatus } from './status-file.js';

const dir = mkdtempSync(join(tmpdir(), 'hidsmon-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const status: AgentStatus = {
  pid: 4242,
  state: 'running',
  startedAt: '2026-12-01T12:00:00.000Z',
  updatedAt: '2026-12-01T12:00:10.000Z',
  logGroup: 'hids-alerts',
  logStream: 'i-0abc',
  endpoint: 'https://hidsmon:5601',
  files: [{ file: '/var/ossec/logs/alerts/alerts.json', offset: 100, readOffset: 150 }],
  spool: { bytes: 2048, maxBytes: 4096, records: 7, full: true },
  sent: { events: 12 },
  lastSendAt: '2026-12-01T12:00:05.000Z',
  lastError: { at: '2026-12-01T12:00:09.000Z', code: 'AccessDeniedException', message: 'not allowed' },
};

describe('status.json', () => {
  it('is written whole (no temp file left) and read back', async () => {
    await writeStatusFile(dir, status);
    expect(readdirSync(dir)).toEqual(['status.json']);
    expect(await readStatusFile(dir)).toEqual({ ok: true, status });
  });

  it('renders the files and offsets, a full spool, the last send and the last error, and a writer that is gone', () => {
    const text = renderStatus(status, Date.parse('2026-12-01T12:00:20.000Z'), false);
    expect(text).toContain('process 4242 is gone');
    expect(text).toContain('/var/ossec/logs/alerts/alerts.json  offset 100 (read to 150)');
    expect(text).toContain('FULL: reading is paused');
    expect(text).toMatch(/last send: +2026-12-01T12:00:05.000Z \(15 s ago\)/);
    expect(text).toContain('AccessDeniedException: not allowed');
  });

  it('says when there is no status yet', async () => {
    expect(await readStatusFile(join(dir, 'nothing'))).toMatchObject({ ok: false, code: 'NO_STATUS', message: expect.stringContaining('has not run') });
  });
});
