/**
 * @module What compacting the closed days of a text index into segments (text-index.ts) costs and
 * saves: the store bench's simulated alerts into an index with segments on, then every day but
 * the newest two compacted as the writer does (writeSegment: encode and write the file;
 * commitSegment: record it, delete the day's FTS5 rows; then reclaimStep until done: give the freed pages back), each part
 * timed; the index file's bytes (with its WAL) and the segments' bytes per alert before and
 * after; then, side by side and interleaved, the median time of an answer (count, the newest 20,
 * the hourly tally by level) for the bench's phrase and word over the whole range, from the index
 * before compaction (FTS5 alone) and after (FTS5 and the segments), the totals checked equal. Not a bench suite: `npx tsx bench/text-segments-reclaim.ts [alerts]` (default 300,000
 * over 30 days); note the load average beside its figures.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeToken, indexedTexts, TextIndex, writeSegment, type TextIndexRow } from '../src/sinks/duckdb/text-index.js';
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
  const plainPath = join(dir, 'plain.sqlite');
  copyFileSync(path, plainPath);
  const load = [loadavg()[0]];
  const compacting = TextIndex.open(path, { segments: true });
  let writeMs = 0;
  let commitMs = 0;
  let moved = 0;
  const days = compacting.compactionCandidates(2); // every day but the newest two, as the module says
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
  // The freed pages given back as the writer does, step by bounded step.
  let reclaimSteps = 0;
  let worstStepMs = 0;
  const reclaimStarted = performance.now();
  for (let done = false; !done; reclaimSteps++) {
    const t = performance.now();
    done = compacting.reclaimStep();
    worstStepMs = Math.max(worstStepMs, performance.now() - t);
  }
  const reclaimMs = performance.now() - reclaimStarted;
  const segmentBytes = compacting.segmentBytes();
  compacting.close();
  load.push(loadavg()[0]);
  const plain = TextIndex.open(plainPath);
  const compacted = TextIndex.open(path, { segments: true });
  const timings: Record<string, unknown> = {};
  const body = (tokens: string[]): string => `"${tokens.map(encodeToken).join(' ')}"`;
  const word = body(['identification']);
  for (const [name, match] of [
    ['phrase', `full_log : ${body(['did', 'not', 'receive', 'identification'])}`],
    ['word', `(({full_log comment} : ${word}) NOT ((missing : ${word}) NOT (full_log : ${word}))) OR (extra : ${word})`],
  ] as const) {
    const ms: Record<'fts5' | 'segments', number[]> = { fts5: [], segments: [] };
    for (const ix of [plain, compacted]) ix.keepCounts(false);
    for (let k = 0; k < 9; k++) {
      const totals: number[] = [];
      for (const [label, ix] of [['fts5', plain], ['segments', compacted]] as const) {
        const t0 = performance.now();
        totals.push(ix.count(match));
        ix.times(match, 'desc', 20);
        ix.grainLevelCounts(match, 3_600_000);
        ms[label].push(performance.now() - t0);
      }
      if (totals[0] !== totals[1]) throw new Error(`${name}: ${totals[0]} from FTS5 alone, ${totals[1]} with segments`);
    }
    const median = (xs: number[]): number => Math.round(([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0) * 10) / 10;
    timings[`${name}Ms`] = { fts5: median(ms.fts5), segments: median(ms.segments) };
  }
  plain.close();
  compacted.close();
  load.push(loadavg()[0]);
  console.log(
    JSON.stringify({
      answerCountPageTally: timings,
      alerts: count,
      days: byDay.size,
      compactedDays: days.length,
      ftsBytesPerAlertBefore: perAlert(before),
      ftsBytesPerAlertAfter: perAlert(fileBytes(path)),
      segmentBytesPerAlert: perAlert(segmentBytes),
      totalBytesPerAlertAfter: perAlert(fileBytes(path) + segmentBytes),
      encodeAndWriteUsPerRow: Math.round((writeMs * 1000) / moved),
      commitUsPerRow: Math.round((commitMs * 1000) / moved),
      reclaim: { ms: Math.round(reclaimMs), steps: reclaimSteps, worstStepMs: Math.round(worstStepMs) },
      loadAverage: load.map((l) => Math.round((l ?? 0) * 10) / 10),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
