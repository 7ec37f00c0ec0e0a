/**
 * @module The audit store under a flood (a compromised host hammering refused actions): entries
 * offered per second, entries stored per second, entries dropped, the event loop's longest stall
 * (what the server's requests would wait), and a filtered search afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditStore } from '../src/audit/audit-store.js';
import type { AuditEntry } from '../src/core/audit.js';
import type { Row, SuiteResult } from './harness.js';

const SECONDS = 3;
const TICK_MS = 5;

function entry(i: number): AuditEntry {
  return {
    timeMs: Date.now(),
    actor: { kind: 'access-key', id: 'AKIAAGENT0000000001', arn: 'arn:aws:iam::123456789012:user/hidsmon/AKIAAGENT0000000001' },
    sourceIp: '10.0.0.1',
    action: 'logs:PutSubscriptionFilter',
    resource: `arn:aws:logs:us-east-1:123456789012:log-group:g${i % 10}:log-stream:`,
    outcome: 'denied',
    message: 'User: arn:aws:iam::123456789012:user/hidsmon/AKIAAGENT0000000001 is not authorized to perform: logs:PutSubscriptionFilter on resource: ...',
    detail: { filterPattern: 'zz-never-matches-zz' },
  };
}

/** Offers `perSec` entries a second for SECONDS; `store` undefined measures the loop alone. */
async function flood(perSec: number, store: AuditStore | undefined): Promise<{ offered: number; maxStallMs: number }> {
  let maxStallMs = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    maxStallMs = Math.max(maxStallMs, now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  const started = performance.now();
  let offered = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSec);
    for (; offered < due; offered++) {
      const e = entry(offered);
      store?.record(e);
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await store?.flushed();
  clearInterval(probe);
  return { offered, maxStallMs: Math.round(maxStallMs) };
}

export async function runAuditBench(log: (line: string) => void): Promise<SuiteResult> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-audit-bench-'));
  try {
    for (const perSec of [1000, 5000, 15_000]) {
      log(`audit: ${perSec} entries/s`);
      const baseline = await flood(perSec, undefined);
      const store = await AuditStore.open({ path: join(dir, `audit-${perSec}.duckdb`) });
      const started = performance.now();
      const run = await flood(perSec, store);
      const seconds = (performance.now() - started) / 1000;
      const searchStarted = performance.now();
      await store.search({ actors: [], actions: ['logs:PutSub*'], outcomes: ['denied'], resources: [], text: 'g7', limit: 100 });
      const searchMs = Math.round(performance.now() - searchStarted);
      rows.push({ offered_per_s: perSec, stored_per_s: Math.round((run.offered - store.dropped) / seconds), dropped: store.dropped, max_stall_ms: run.maxStallMs, max_stall_no_store_ms: baseline.maxStallMs, search_ms: searchMs });
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { suite: 'audit', description: `The audit store offered N entries/s for ${SECONDS} s (group commits of at most 256): stored/s, dropped, the event loop's longest stall with and without the store, then a filtered search.`, rows };
}
