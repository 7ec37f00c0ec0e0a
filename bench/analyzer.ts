/**
 * @module CPU time of the standard analyzer per simulated alert (full_log, @message and rule.comment
 * as the store holds them): the text index's `indexTokens` and the query engine's
 * `tokenizeStandard`, in one process, rounds interleaved. CPU time (process.cpuUsage), not wall
 * time: on a machine shared with other work it moves far less. `npx tsx bench/analyzer.ts`
 * (HIDSMON_ANALYZER_ALERTS, default 20,000). Prints one JSON line.
 */
import { cpus, loadavg } from 'node:os';
import { tokenizeStandard } from '../src/query/analysis/standard-tokenizer.js';
import { indexTokens } from '../src/sinks/duckdb/index-analyzer.js';
import { COL, rowFromDocument } from '../src/sinks/duckdb/schema.js';
import { simulatedDocuments } from './store.bench.js';

const ROUNDS = 12;

function main(): void {
  const alerts = Number(process.env['HIDSMON_ANALYZER_ALERTS'] ?? 20_000);
  const texts: string[] = [];
  for (const batch of simulatedDocuments(alerts)) {
    for (const doc of batch) {
      const v = rowFromDocument(doc).values;
      for (const text of [v[COL.full_log], v[COL.message], v[COL.comment]]) if (typeof text === 'string') texts.push(text);
    }
  }
  let chars = 0;
  let tokens = 0;
  for (const text of texts) {
    chars += text.length;
    tokens += tokenizeStandard(text).length;
  }
  const candidates: Record<string, (text: string) => unknown> = { indexTokens, tokenizeStandard };
  const samples: Record<string, number[]> = {};
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, analyze] of Object.entries(candidates)) {
      const before = process.cpuUsage();
      for (const text of texts) if (analyze(text) !== undefined) sink++;
      const used = process.cpuUsage(before);
      (samples[name] ??= []).push((used.user + used.system) / alerts);
    }
  }
  const summary = Object.fromEntries(
    Object.entries(samples).map(([name, us]) => {
      us.sort((a, b) => a - b);
      return [name, { minUsPerAlert: round1(us[0] as number), medianUsPerAlert: round1(us[Math.floor(us.length / 2)] as number) }];
    }),
  );
  const load = loadavg().map(round1);
  process.stdout.write(`${JSON.stringify({ alerts, charsPerAlert: Math.round(chars / alerts), tokensPerAlert: round1(tokens / alerts), cores: cpus().length, load, checked: sink, ...summary })}\n`);
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

main();
