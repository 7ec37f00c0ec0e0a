/**
 * @module Test helper run as a child process: writes batches to a store file and prints "ack <n>"
 * after each batch the store acknowledged, until it is killed.
 */
import { cloudWatchEventId } from '../core/ids.js';
import { FleetSimulator } from '../simulate/fleet-simulator.js';
import { renderAlert } from '../simulate/render.js';
import { DuckDbStore } from '../sinks/duckdb/store.js';
import { documentFromLogEvent } from '../transforms/to-document.js';

const [path, batchText] = process.argv.slice(2);
const batch = Number(batchText ?? 200);
const store = await DuckDbStore.open({ path: path as string });
const sim = new FleetSimulator({ hosts: 2, seed: 11, ratePerSec: 100, startMs: Date.UTC(2024, 2, 2) });
let n = 0;
for (;;) {
  const docs = Array.from({ length: batch }, () => {
    const alert = sim.next();
    return documentFromLogEvent({ eventId: cloudWatchEventId(alert.timeMs, n++), timestampMs: alert.timeMs, message: renderAlert(alert, 'ossec-json'), owner: 'o', logGroup: 'g', logStream: alert.host.instanceId });
  });
  // Only what the store took is acknowledged.
  const result = await store.write(docs);
  if (result.kind !== 'ok') throw result.error;
  process.stdout.write(`ack ${n}\n`);
}
