/** @module Bench harness: machine notes, timing by repetition, a printed table and JSON under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export type Row = Record<string, string | number>;

export interface SuiteResult {
  suite: string;
  /** One sentence: what was measured and how. */
  description: string;
  rows: Row[];
  /** Goals and whether they were met, in words. */
  goals?: Array<{ goal: string; met: boolean; measured: string }>;
}

/**
 * Runs `fn` repeatedly for at least `minMs` (and `minRuns` times) after `warmup` runs, and returns
 * the per-run milliseconds, so that callers can take the median: this machine is noisy.
 */
export function timeRuns(fn: () => void, options: { warmup?: number; minRuns?: number; minMs?: number } = {}): number[] {
  const { warmup = 3, minRuns = 10, minMs = 2000 } = options;
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function printTable(title: string, rows: Row[]): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined): string => (typeof v === 'number' ? formatNumber(v) : (v ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string => values.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  process.stdout.write(`\n${title}\n${line(columns)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/** Writes bench/results/<suite>.json (the figures quoted in notes come from these files). */
export function writeResult(result: SuiteResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${result.suite}.json`);
  writeFileSync(path, `${JSON.stringify({ ...result, date: new Date().toISOString(), machine: machineInfo(), freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10 }, null, 2)}\n`);
  return path;
}
