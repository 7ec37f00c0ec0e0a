/**
 * The server's retention timer against the real log and index: expired events that the embedded
 * destination has not taken stay, and `/api/ingest` says retention waits on it; once its cursor
 * passes them they go. Index retention (dropping daily indices) runs alongside, unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../config/server-config.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { EMBEDDED_DESTINATION, startServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-retention-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOKEN = 'test-api-token-0123456789abcdef';
const DAY = 86_400_000;

describe('server: retention waits for destinations', () => {
  it('holds expired events the embedded index has not taken, says so in /api/ingest, and deletes them once taken', async () => {
    let clock = Date.UTC(2026, 0, 10, 12);
    const server = await startServer(
      { ...DEFAULTS, port: 0, dataDir: join(tmp, 'data'), accessKeys: [{ id: 'AKIAHIDSMONTEST0001', secret: 'test-secret-key-0123456789' }], apiTokens: [TOKEN], retentionDays: 1 },
      { logger: pino({ level: 'silent' }), now: () => clock, retentionIntervalMs: 50 },
    );
    try {
      const ingest = async (): Promise<any> => (await fetch(`${server.url}/api/ingest`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
      /** Polls until a retention run that started at or after `since` is reported (bounded). */
      const retentionAfter = async (since: number): Promise<any> => {
        for (let i = 0; i < 200; i++) {
          const state = await ingest();
          if (state.retention.last_run !== null && state.retention.last_run >= since) return state;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error('retention did not run within 5 s');
      };
      // Before anything expires (whether or not a run happened yet), nothing waits.
      expect((await ingest()).retention).toMatchObject({ waiting: false, held_events: 0, waiting_on: [] });

      const log = server.log;
      expect((await log.createLogGroup('hids')).ok).toBe(true);
      expect((await log.createLogStream('hids', 'host-1')).ok).toBe(true);
      const sim = new FleetSimulator({ hosts: 1, seed: 8, ratePerSec: 1, startMs: clock - 10_000 });
      const put = async (count: number): Promise<void> => {
        const events = Array.from({ length: count }, () => sim.next()).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') }));
        expect((await log.putLogEvents('hids', 'host-1', events)).ok).toBe(true);
      };
      // One alert is forwarded and indexed...
      await put(1);
      expect(await server.forwarder.drained(10_000)).toBe(true);
      const indices = async (): Promise<number> => ((await (await fetch(`${server.url}/api/indices`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { indices: unknown[] }).indices.length;
      expect(await indices()).toBe(1);
      // ...then the sink is out of reach: nothing more is forwarded while the events age past retention.
      await server.forwarder.stop();
      await put(3);
      expect((await log.putRetentionPolicy('hids', 1)).ok).toBe(true);
      clock += 2 * DAY;

      const waiting = await retentionAfter(clock);
      // The forwarded event went; the three the embedded index has not taken stay.
      expect(waiting.retention).toMatchObject({ waiting: true, deleted: 1, held_events: 3, waiting_on: [{ destination: EMBEDDED_DESTINATION, cursor: 1, held_events: 3 }] });
      // Read again: one answer may hold the store's figures from before the run it reports.
      expect((await ingest()).log.events).toBe(3);
      // The index's own retention (server retention_days: 1) dropped the old daily index meanwhile.
      expect(await indices()).toBe(0);

      // The destination takes them: a run after that deletes them and stops waiting. Runs come every
      // 50 ms, so the run that deletes them may come before the clock moves on, and a later one then
      // deletes nothing: wait for a run that no longer waits, and see the three gone from the log.
      await log.setCursor(EMBEDDED_DESTINATION, log.lastSequence());
      clock += 1000;
      let done = await retentionAfter(clock);
      for (let i = 0; i < 200 && done.retention.waiting !== false; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        done = await ingest();
      }
      expect(done.retention).toMatchObject({ waiting: false, held_events: 0, waiting_on: [] });
      expect((await ingest()).log.events).toBe(0);
    } finally {
      await server.stop();
    }
  }, 30_000);
});
