/**
 * @module Where the forwarder's time goes, phase by phase, on one thread and without pipelining:
 * reading the durable log, the transform, the sink's row preparation (JavaScript, before its
 * queue) and DuckDB's commit, per batch size. `npx tsx bench/indexing-phases.ts` (HIDSMON_PHASES_EVENTS,
 * HIDSMON_PHASES_BATCHES=5000,20000, HIDSMON_PHASES_TEXT_INDEX=0 for a store without the text index).
 * Prints one JSON line per batch size: wall time and CPU time (every thread of the process: the
 * phases run one after another, so DuckDB's threads work only in the commit) per 100,000 events,
 * and the load average. CPU time is the figure to compare on a machine shared with other work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudWatchEventId } from '../src/core/ids.js';
import { LogStore } from '../src/ingest/log-store.js';
import { FleetSimulator } from '../src/simulate/fleet-simulator.js';
import { renderAlert } from '../src/simulate/render.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { documentFromLogEvent } from '../src/transforms/to-document.js';

async function main(): Promise<void> {
  const events = Number(process.env['HIDSMON_PHASES_EVENTS'] ?? 100_000);
  const batches = (process.env['HIDSMON_PHASES_BATCHES'] ?? '2000,5000,20000').split(',').map(Number);
  const textIndex = process.env['HIDSMON_PHASES_TEXT_INDEX'] !== '0';
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-phases-'));
  try {
    const log = await LogStore.open({ path: join(dir, 'log.duckdb') });
    await log.createLogGroup('hids-alerts');
    const now = Date.now();
    const streams = 10;
    for (let s = 0; s < streams; s++) {
      await log.createLogStream('hids-alerts', `i-${s}`);
      const sim = new FleetSimulator({ hosts: 1, seed: 1000 + s, ratePerSec: 5, startMs: now - 3_600_000 });
      for (let b = 0; b < events / streams / 500; b++) {
        const put = await log.putLogEvents('hids-alerts', `i-${s}`, Array.from({ length: 500 }, () => sim.next()).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })));
        if (!put.ok) throw new Error(`putLogEvents: ${put.error.kind}`);
      }
    }
    for (const batch of batches) {
      const store = await DuckDbStore.open({ path: join(dir, `index-${batch}.duckdb`), textIndex });
      const ms = { read: 0, transform: 0, prepare: 0, commit: 0 };
      const cpu = { read: 0, transform: 0, prepare: 0, commit: 0 };
      let c = process.cpuUsage();
      /** CPU ms since the last call. */
      const cpuSince = (): number => {
        const used = process.cpuUsage(c);
        c = process.cpuUsage();
        return (used.user + used.system) / 1000;
      };
      const startCpu = process.cpuUsage();
      const started = performance.now();
      let after = 0;
      for (;;) {
        cpuSince();
        let t = performance.now();
        const records = await log.readAfter(after, batch, ['hids-alerts']);
        ms.read += performance.now() - t;
        cpu.read += cpuSince();
        if (records.length === 0) break;
        after = records[records.length - 1]!.sequence;
        t = performance.now();
        const documents = records.map((r) => documentFromLogEvent({ eventId: cloudWatchEventId(r.timestamp, r.sequence), timestampMs: r.timestamp, message: r.message, owner: '123456789012', logGroup: r.logGroup, logStream: r.logStream }));
        ms.transform += performance.now() - t;
        cpu.transform += cpuSince();
        // write() prepares the rows before it returns its promise; the await is DuckDB's commit.
        t = performance.now();
        const written = store.write(documents);
        ms.prepare += performance.now() - t;
        cpu.prepare += cpuSince();
        t = performance.now();
        await written;
        ms.commit += performance.now() - t;
        cpu.commit += cpuSince();
        await log.setCursor('phases', after);
      }
      const totalMs = performance.now() - started;
      const totalCpu = process.cpuUsage(startCpu);
      const per100k = (v: number): number => Math.round((v * 100_000) / events);
      process.stdout.write(`${JSON.stringify({ batch, events, eventsPerSecond: Math.round((events / totalMs) * 1000), msPer100k: { read: per100k(ms.read), transform: per100k(ms.transform), prepare: per100k(ms.prepare), commit: per100k(ms.commit), total: per100k(totalMs) }, cpuMsPer100k: { read: per100k(cpu.read), transform: per100k(cpu.transform), prepare: per100k(cpu.prepare), commit: per100k(cpu.commit), total: per100k((totalCpu.user + totalCpu.system) / 1000) }, textIndex, load: loadavg().map((l) => Math.round(l * 10) / 10) })}\n`);
      await store.close();
    }
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
