/**
 * @module What compacting the closed days of a text index into segments (text-index.ts) costs and
 * saves: the store bench's simulated alerts into an index with segments on, then every day but
 * the newest two compacted as the writer does (writeSegment: encode and write the file;
 * commitSegment: record it, delete the day's FTS5 rows, give the freed pages back), each part
 * timed; the index file's bytes (with its WAL) and the segments' bytes per alert before and
 * after. Not a bench suite: `npx tsx bench/text-segments-reclaim.ts [alerts]` (default 300,000
 * over 30 days); note the load average beside its figures.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexedTexts, TextIndex, writeSegment, type TextIndexRow } from '../src/sinks/duckdb/text-index.js';
import { simulatedDocuments } from './store.bench.js';

const DAY_MS = 86_400_000;
const count = Number(process.argv[2] ?? 300_000);
const dir = mkdtempSync(join(tmpdir(), 'hidsmon-reclaim-'));

const size = (p: string): number => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};
const fileBytes = (p: string): number => size(p) + size(`${p}-wal`);
const perAlert = (b: number): number => Math.round((b / count) * 10) / 10;

const rows: TextIndexRow[] = [];
for (const batch of simulatedDocuments(count)) {
  for (const d of batch) {
    const doc = d.document as Record<string, unknown>;
    const rule = doc['rule'] as Record<string, unknown> | undefined;
    const str = (t: unknown): string | null => (typeof t === 'string' ? t : null);
    const ts = Date.parse(doc['@timestamp'] as string);
    const level = typeof rule?.['level'] === 'number' ? (rule['level'] as number) : null;
    rows.push({ ts, day: Math.floor(ts / DAY_MS), level, texts: indexedTexts(str(doc['full_log']), str(doc['@message']), str(rule?.['comment'])) });
  }
}
const byDay = new Map<number, TextIndexRow[]>();
for (const r of rows) (byDay.get(r.day) ?? byDay.set(r.day, []).get(r.day))?.push(r);

const path = join(dir, 'index.sqlite');
try {
  const index = TextIndex.open(path, { segments: true });
  for (let i = 0; i < rows.length; i += 1000) index.add(rows.slice(i, i + 1000));
  index.close();
  const before = fileBytes(path);
  const load = [loadavg()[0]];
  const compacting = TextIndex.open(path, { segments: true });
  let writeMs = 0;
  let commitMs = 0;
  let moved = 0;
  const days = compacting.compactionCandidates();
  for (const day of days) {
    const dayRows = byDay.get(day) ?? [];
    let t = performance.now();
    const prepared = writeSegment(path, day, dayRows);
    writeMs += performance.now() - t;
    t = performance.now();
    compacting.commitSegment(prepared);
    commitMs += performance.now() - t;
    moved += dayRows.length;
  }
  const segmentBytes = compacting.segmentBytes();
  compacting.close();
  load.push(loadavg()[0]);
  console.log(
    JSON.stringify({
      alerts: count,
      days: byDay.size,
      compactedDays: days.length,
      ftsBytesPerAlertBefore: perAlert(before),
      ftsBytesPerAlertAfter: perAlert(fileBytes(path)),
      segmentBytesPerAlert: perAlert(segmentBytes),
      totalBytesPerAlertAfter: perAlert(fileBytes(path) + segmentBytes),
      encodeAndWriteUsPerRow: Math.round((writeMs * 1000) / moved),
      commitUsPerRow: Math.round((commitMs * 1000) / moved),
      loadAverage: load.map((l) => Math.round((l ?? 0) * 10) / 10),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
