// Builds the agent's self-contained bundle: dist/agent/hidsmon-agent.mjs, every dependency inlined
// (the AWS SDK, pino, yaml), for a host with Node.js and nothing else: no node_modules, no DuckDB.
// Prints the bundle's size. `npm run build:agent`; `npm run build` runs it too.
import { build } from 'esbuild';
import { chmodSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/agent/hidsmon-agent.mjs`;
const started = Date.now();
await build({
  entryPoints: [`${root}src/apps/agent/main.ts`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  legalComments: 'external',
  logLevel: 'warning',
  // CommonJS dependencies (pino, the SDK's parts) call require() for Node's built-ins: give the ES module one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __hidsmonRequire } from 'node:module';\nconst require = __hidsmonRequire(import.meta.url);" },
});
chmodSync(outfile, 0o755);
const bytes = statSync(outfile).size;
process.stdout.write(`dist/agent/hidsmon-agent.mjs: ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes), built in ${Date.now() - started} ms\n`);
