/**
 * @module The text index's writer thread (started by text-index-writes.ts's WorkerTextIndexWriter):
 * its own connection to the index file, the requests applied one by one in the order posted, each
 * answered with its outcome; 'close' is answered after every request before it, then the
 * connection is closed and the thread ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TextIndex } from './text-index.js';
import { errorCode, SegmentEncoder, TextIndexApplier, type TextIndexWorkerData, type WorkerReply, type WorkerRequest } from './text-index-writes.js';

const port = parentPort;
if (!port) throw new Error('text-index-worker.ts runs as a worker thread only.');
const { path, segments, encoder: encodes } = workerData as TextIndexWorkerData;

let index: TextIndex | undefined;
let applier: TextIndexApplier | undefined;
// An encoder thread opens no connection: it only writes segment files for the writer to commit.
let encoder: SegmentEncoder | undefined = encodes ? new SegmentEncoder(path) : undefined;
let openFailure: string | undefined;
try {
  if (!encodes) {
    index = TextIndex.open(path, { segments });
    applier = new TextIndexApplier(index);
  }
} catch (e) {
  openFailure = `The text index worker could not open ${path}: ${(e as Error).message}`;
}

/** This thread's CPU time so far (µs), told with each answer. */
function cpuUs(): number {
  const used = process.threadCpuUsage();
  return used.user + used.system;
}

port.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  if (request.op === 'close') {
    index?.close();
    index = undefined;
    applier = undefined;
    encoder = undefined;
    port.postMessage({ id: request.id, ok: true, n: 0, cpuUs: cpuUs() } satisfies WorkerReply);
    port.close();
    return;
  }
  if (request.op === 'encode' ? encoder === undefined : applier === undefined) reply = { id: request.id, ok: false, message: openFailure ?? `The text index worker is closed or does not take '${request.op}'.`, cpuUs: cpuUs() };
  else {
    try {
      const done = request.op === 'encode' ? (encoder as SegmentEncoder).apply(request) : { n: (applier as TextIndexApplier).apply(request) };
      reply = { id: request.id, ok: true, ...done, cpuUs: cpuUs() };
    } catch (e) {
      const code = errorCode(e);
      reply = { id: request.id, ok: false, message: (e as Error).message, ...(code !== undefined ? { code } : {}), cpuUs: cpuUs() };
    }
  }
  port.postMessage(reply);
});
