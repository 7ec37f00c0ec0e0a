/**
 * @module Bench `text-ingest`: the backends bench's ingest slice (fresh alerts into a new store,
 * batches of 10,000, one in flight, as the forwarder writes) for the store's text-index write
 * modes side by side in one run, rounds interleaved: no index, the index written on the main
 * thread, the index written by its worker thread. HIDSMON_BENCH_INGEST_ALERTS (default 100,000)
 * alerts, HIDSMON_BENCH_INGEST_ROUNDS (default 2) rounds, HIDSMON_BENCH_INGEST_MODES to pick
 * (comma-separated of none,main,worker). Only the writing is timed (the documents are simulated
 * beforehand), and a search after the last write must see every alert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexedDocument } from '../src/core/document.js';
import type { WriteResult } from '../src/query/search-api.js';
import { parseQueryInput } from '../src/query/parse-query.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { median, type Row, type SuiteResult } from './harness.js';
import { simulatedDocuments } from './store.bench.js';

const END_MS = Date.UTC(2024, 2, 31);
type Mode = 'none' | 'main' | 'worker';
const WORD_TEXT = 'identification';
const WORD = unwrap(parseQueryInput(WORD_TEXT));
const MODES: readonly Mode[] = ['none', 'main', 'worker'];

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function tookAll(result: WriteResult): void {
  if (result.kind !== 'ok') throw new Error(`a bench write was not taken: ${result.error.message}`);
  if (result.written + result.duplicates !== result.outcomes.length) throw new Error(`a bench write rejected ${result.rejected} documents`);
}

/** Writes the batches as the backends bench does (the next write called before the previous resolves) until the index has them all: ms, and CPU ms meanwhile of the process (every thread), the main thread and the index's writer thread. */
async function ingest(store: DuckDbStore, batches: readonly IndexedDocument[][]): Promise<{ ms: number; cpuMs: number; mainMs: number; writerMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const mainCpu = process.threadCpuUsage();
  const writerCpu = writerCpuMicros(store);
  let pending: Promise<void> | undefined;
  for (const batch of batches) {
    const written = store.write(batch).then(tookAll);
    if (pending) await pending;
    pending = written;
  }
  await pending;
  // Until the index holds every row too (a writer thread's last batch is written after write() resolved).
  await (store as unknown as { textIndex?: { settled?(): Promise<void> } }).textIndex?.settled?.();
  const used = process.cpuUsage(cpu);
  const main = process.threadCpuUsage(mainCpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, mainMs: (main.user + main.system) / 1000, writerMs: (writerCpuMicros(store) - writerCpu) / 1000 };
}

/**
 * The index writer thread's CPU µs so far (0 without one), through the store's private parts: a
 * bench-only look. With the main thread's and the process's, it gives each lane's CPU an alert,
 * which a loaded machine distorts far less than the wall clock.
 */
function writerCpuMicros(store: DuckDbStore): number {
  const keeper = (store as unknown as { textIndex?: { writer?: { cpuMicros?: number } } }).textIndex;
  return keeper?.writer?.cpuMicros ?? 0;
}

interface RunFigures {
  rate: number;
  /** CPU µs an alert: all threads, the main thread, the index's writer thread. */
  cpuUs: number;
  mainUs: number;
  writerUs: number;
  total: number;
}

/**
 * alerts/s on two cores of its own: the lanes run in parallel, so the slower of the whole CPU over
 * two cores and each single thread's CPU (main, writer; DuckDB's spread over its threads).
 */
const projected = (f: Omit<RunFigures, 'rate' | 'total'>): number => 1e6 / Math.max(f.cpuUs / 2, f.mainUs, f.writerUs);

async function oneRun(mode: Mode, batches: readonly IndexedDocument[][], count: number): Promise<RunFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-text-ingest-'));
  try {
    const store = await DuckDbStore.open({ path: join(dir, 'index.duckdb'), now: () => END_MS, limits: { searchTimeoutMs: 0 }, textIndex: mode !== 'none', ...(mode === 'main' ? { textIndexWorker: false } : {}) });
    try {
      await store.textIndexCaughtUp();
      const { ms, cpuMs, mainMs, writerMs } = await ingest(store, batches);
      // Right after the last write resolved, a free-text search: its total must be the same in
      // every mode (the index's writes acknowledged, or the scan for an index that is behind).
      const seen = await store.search({ query: WORD, size: 0 });
      if (!seen.ok) throw new Error(seen.error.message);
      const us = (cpuMsOf: number): number => (cpuMsOf * 1000) / count;
      return { rate: count / (ms / 1000), cpuUs: us(cpuMs), mainUs: us(mainMs), writerUs: us(writerMs), total: seen.value.total };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runTextIngestBench(log: (line: string) => void): Promise<SuiteResult> {
  const count = Number(process.env['HIDSMON_BENCH_INGEST_ALERTS'] ?? 100_000);
  const rounds = Number(process.env['HIDSMON_BENCH_INGEST_ROUNDS'] ?? 2);
  const modes = (process.env['HIDSMON_BENCH_INGEST_MODES'] ?? MODES.join(',')).split(',').filter((m): m is Mode => (MODES as readonly string[]).includes(m));
  const batches = [...simulatedDocuments(count)];
  const rates = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const runs = new Map<Mode, RunFigures[]>(modes.map((m) => [m, []]));
  const loads = [loadavg()[0]!.toFixed(2)];
  const totals = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const figures = await oneRun(mode, batches, count);
      const { rate, total } = figures;
      if (totals.size > 0 && !totals.has(total)) throw new Error(`mode ${mode} counted ${total} alerts with '${WORD_TEXT}', others ${[...totals].join(', ')}`);
      totals.add(total);
      rates.get(mode)!.push(rate);
      runs.get(mode)!.push(figures);
      const f = figures;
      log(`  round ${round + 1} ${mode}: ${Math.round(rate).toLocaleString('en-US')} alerts/s; CPU µs an alert: ${f.cpuUs.toFixed(1)} all, main ${f.mainUs.toFixed(1)}, writer ${f.writerUs.toFixed(1)}; on 2 cores of its own ${Math.round(projected(f)).toLocaleString('en-US')}/s (load ${loadavg()[0]!.toFixed(2)})`);
    }
    loads.push(loadavg()[0]!.toFixed(2));
  }
  const none = rates.get('none');
  const rows: Row[] = modes.map((mode) => {
    const m = median(rates.get(mode)!);
    const f = runs.get(mode)!;
    const med = (pick: (r: RunFigures) => number): number => median(f.map(pick));
    const lanes = { cpuUs: med((r) => r.cpuUs), mainUs: med((r) => r.mainUs), writerUs: med((r) => r.writerUs) };
    return {
      measure: `ingest with the text index: ${mode}`,
      'alerts/s (median)': Math.round(m),
      runs: rates.get(mode)!.map(Math.round).join(' '),
      'of no index': none ? (m / median(none)).toFixed(2) : '',
      'CPU µs/alert: all threads': lanes.cpuUs.toFixed(1),
      'main thread': lanes.mainUs.toFixed(1),
      'writer thread': lanes.writerUs.toFixed(1),
      'alerts/s on 2 cores of its own (from CPU)': Math.round(projected(lanes)),
    };
  });
  return {
    suite: 'text-ingest',
    description: `${count.toLocaleString('en-US')} fresh alerts into a new store per run, batches of 10,000, the next write called before the previous resolves, timed until the index holds them all; ${rounds} rounds, modes interleaved; CPU per alert of every thread, the main thread and the index's writer thread (process.threadCpuUsage), and the rate two cores of its own would give (the slowest of all CPU / 2, main, writer); load average (1 min) at start and after each round: ${loads.join(', ')}`,
    rows,
  };
}
