/** The detection store on a real DuckDB file: dedupe by id, newest first with a cursor, filters, status, reopen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Detection } from '../core/detection.js';
import { DetectionQueryError, DuckDbDetectionStore } from './detection-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-detections-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function detection(n: number, over: Partial<Detection> = {}): Detection {
  return {
    id: `d${String(n).padStart(3, '0')}`,
    rule: { id: n % 2 ? 'ssh-brute-force' : 'port-scan', name: n % 2 ? 'SSH brute force' : 'Port scan', kind: 'threshold', severity: 'high' },
    group: [{ field: 'srcip', value: `10.0.0.${n}` }],
    count: 10 + n,
    hosts: ['web-1'],
    window: { start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T10:05:00.000Z' },
    createdAt: new Date(Date.UTC(2026, 11, 1, 10, 0, n)).toISOString(),
    status: 'open',
    query: `rule.sidid:5716 AND srcip:"10.0.0.${n}"`,
    evidence: [{ id: `e${n}`, index: 'cwl-2026.12.01', '@timestamp': '2026-12-01T10:00:00.000Z', '@log_stream': 'web-1', text: `<b>sshd</b> ${n} constructor __proto__` }],
    ...over,
  };
}

describe('DuckDbDetectionStore', () => {
  it('stores a detection id once, lists newest first in pages, filters, and keeps it all across a reopen', async () => {
    const path = join(tmp, 'a.duckdb');
    const store = await DuckDbDetectionStore.open({ path, now: () => Date.UTC(2026, 11, 1, 12) });
    for (let n = 1; n <= 25; n++) expect(await store.put(detection(n))).toBe('created');
    expect(await store.put(detection(3, { count: 999 }))).toBe('exists');
    expect((await store.get('d003'))?.count).toBe(13);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await store.list({ limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(25);
      seen.push(...page.detections.map((d) => d.id));
      cursor = page.next;
      if (!cursor) break;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `d${String(25 - i).padStart(3, '0')}`));

    expect((await store.list({ limit: 100, ruleId: 'port-scan' })).total).toBe(12);
    expect((await store.list({ limit: 100, text: '10.0.0.17' })).detections.map((d) => d.id)).toEqual(['d017']);
    expect((await store.list({ limit: 100, text: '<B>SSHD</B> 4 constructor' })).detections.map((d) => d.id)).toEqual(['d004']);
    expect((await store.list({ limit: 100, from: '2026-12-01T10:00:20Z', to: '2026-12-01T10:00:22Z' })).detections.map((d) => d.id)).toEqual(['d022', 'd021', 'd020']);

    const acked = await store.setStatus('d005', 'acknowledged', 'alice');
    expect(acked).toMatchObject({ status: 'acknowledged', statusBy: 'alice', statusAt: '2026-12-01T12:00:00.000Z' });
    expect(await store.setStatus('nope', 'closed', 'alice')).toBeUndefined();
    expect((await store.list({ limit: 100, status: ['acknowledged'] })).detections.map((d) => d.id)).toEqual(['d005']);
    await store.close();

    const again = await DuckDbDetectionStore.open({ path });
    expect((await again.list({ limit: 1 })).total).toBe(25);
    expect((await again.get('d005'))?.status).toBe('acknowledged');
    expect(await again.put(detection(5))).toBe('exists');
    await again.close();
  });

  it('refuses a cursor it did not make and a bound that is not a time', async () => {
    const store = await DuckDbDetectionStore.open({ path: ':memory:' });
    await expect(store.list({ limit: 5, cursor: "x' OR 1=1 --" })).rejects.toBeInstanceOf(DetectionQueryError);
    await expect(store.list({ limit: 5, from: 'yesterday' })).rejects.toBeInstanceOf(DetectionQueryError);
    await store.close();
  });
});
