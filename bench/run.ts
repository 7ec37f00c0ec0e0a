/**
 * @module `npm run bench [suite...]`: runs the benchmark suites, prints a table per suite and writes
 * bench/results/<suite>.json with the machine noted.
 */
import { runAgentBench } from './agent.bench.js';
import { runAuditBench } from './audit.bench.js';
import { runBackendsBench } from './backends.bench.js';
import { machineInfo, printTable, writeResult, type SuiteResult } from './harness.js';
import { runLambdaBench } from './lambda.bench.js';
import { runServerBench } from './server.bench.js';
import { runStoreBench } from './store.bench.js';
import { runTransformBench } from './transform.bench.js';
import { runUiBench } from './ui.bench.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);
/** HIDSMON_BENCH_SIZES=1000000 runs the store suite at 1M only (a quicker look). */
const storeSizes = (process.env['HIDSMON_BENCH_SIZES'] ?? '1000000,10000000').split(',').map(Number);

const SUITES: Record<string, () => SuiteResult | Promise<SuiteResult>> = {
  transform: runTransformBench,
  store: () => runStoreBench(storeSizes, log),
  server: () => runServerBench(log),
  ui: () => runUiBench(log),
  audit: () => runAuditBench(log),
  agent: () => runAgentBench(log),
  backends: () => runBackendsBench(log),
  fleet: async () => (await import('./fleet.bench.js')).runFleetBench(log),
  lambda: () => runLambdaBench(log),
  export: async () => (await import('./export.bench.js')).runExportBench(log),
  'text-index': async () => (await import('./text-index.bench.js')).runTextIndexBench(log),
  'text-ingest': async () => (await import('./text-ingest.bench.js')).runTextIngestBench(log),
  detections: async () => (await import('./detections.bench.js')).runDetectionsBench(log),
  notify: async () => (await import('./notify.bench.js')).runNotifyBench(log),
};

async function main(): Promise<number> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((s) => !(s in SUITES));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown bench suite(s): ${unknown.join(', ')}. Suites: ${Object.keys(SUITES).join(', ')}.\n`);
    return 2;
  }
  const machine = machineInfo();
  process.stdout.write(`hidsmon bench on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);
  for (const name of asked.length > 0 ? asked : Object.keys(SUITES)) {
    process.stderr.write(`Running ${name}...\n`);
    const result = await SUITES[name]!();
    printTable(`${result.suite}: ${result.description}`, result.rows);
    for (const goal of result.goals ?? []) process.stdout.write(`goal ${goal.met ? 'MET' : 'MISSED'}: ${goal.goal}: ${goal.measured}\n`);
    process.stdout.write(`wrote ${writeResult(result)}\n`);
  }
  return 0;
}

process.exitCode = await main();
