#!/usr/bin/env -S node --min-semi-space-size=16
// The `hidsmon` command: runs the compiled CLI (`npm run build`; a packed package has it). The young
// generation is sized to hold a 6 MB subscription delivery while it is transformed, so fewer
// objects are copied by the garbage collector (bench/transform.bench.ts measures with and without).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Every DuckDB statement runs on a libuv thread: with Node's default of 4, three long searches and
// an index commit would leave PutLogEvents' own commit waiting. Set before anything uses the pool.
process.env.UV_THREADPOOL_SIZE ??= '16';
// The data directory holds keys and every host's alerts: whatever hidsmon creates (directories,
// DuckDB files and their WALs, keys) is its owner's alone, before anything is created.
process.umask(0o077);

const main = fileURLToPath(new URL('../dist/src/apps/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('hidsmon: the CLI is not built yet. Run `npm run build` first (npm start and npm test do).\n');
  process.exit(1);
}
const { run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
