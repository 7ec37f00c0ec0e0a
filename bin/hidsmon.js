#!/usr/bin/env -S node --min-semi-space-size=16
// The `hidsmon` command: runs the compiled CLI (npm ci builds it via `prepare`). The young
// generation is sized for 6 MB subscription deliveries: V8's default doubles the forwarder's time
// (bench/transform.bench.ts measures both).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/apps/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('hidsmon: the CLI is not built yet. Run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
const { run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
