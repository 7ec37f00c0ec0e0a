/** @module Child process of the lambda bench: `time <format>` times both candidates; `memory <format> <candidate>` measures one alone. */
import type { AlertFormat } from '../src/core/document.js';
import { benchDelivery, CANDIDATES, timeCandidates, type CandidateName } from './lambda.bench.js';

const [mode, format, candidate, measure] = process.argv.slice(2) as [string, AlertFormat, CandidateName | undefined, 'live' | 'rss' | undefined];
if (mode === 'time') {
  process.stdout.write(JSON.stringify(timeCandidates(format)));
} else {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || !candidate || !(candidate in CANDIDATES)) throw new Error('usage: node --expose-gc lambda.worker.js memory <format> <hidsmon|blog> <live|rss>');
  const event = benchDelivery(format);
  // Warm the code once on a small delivery, so that compiled code is not counted as the run's memory.
  // Bodies are sent one at a time; the length stands for the send (the network is not measured).
  // At each send, after a full GC, the heap holds what the candidate needs at that point (its live
  // set: the payload, the documents and bodies in hand): the largest is its peak live memory.
  let sent = 0;
  let liveAtSend = 0;
  // The forced GCs change how far RSS grows: `rss` runs without them, `live` with.
  const send = (body: string): void => {
    sent += body.length;
    if (measure !== 'live') return;
    gc();
    liveAtSend = Math.max(liveAtSend, process.memoryUsage().heapUsed);
  };
  CANDIDATES[candidate](benchDelivery(format, 200), send);
  gc();
  const before = process.memoryUsage();
  liveAtSend = 0;
  CANDIDATES[candidate](event, send);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  gc();
  const heldHeap = process.memoryUsage().heapUsed - before.heapUsed;
  if (sent === 0) throw new Error('nothing sent');
  const MiB = 1024 * 1024;
  process.stdout.write(JSON.stringify({ peakRssMiB: Math.max(0, peakRss - before.rss) / MiB, liveMiB: Math.max(0, liveAtSend - before.heapUsed) / MiB, heapMiB: heldHeap / MiB }));
}
