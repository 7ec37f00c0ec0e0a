// Builds the agent's self-contained bundle: dist/agent/hidsmon-agent.mjs, every dependency inlined
// (the AWS SDK, pino, yaml), for a host with Node.js and nothing else: no node_modules, no DuckDB.
// Prints the bundle's size. `npm run build:agent`; `npm run build` runs it too.
import { build } from 'esbuild';
import { chmodSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/agent/hidsmon-agent.mjs`;
/**
 * Node's built-ins are taken with require(), not `import`: an ES import of a built-in makes Node
 * build an ES module facade of it, which reads every export, lazy getters included (node:http's
 * load undici), and costs the agent ~20 MB of RSS at start for nothing (bench/agent.bench.ts).
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^[a-z]/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      const id = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      return args.kind === 'require-call' ? { path: id, external: true } : { path: id, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};
const started = Date.now();
await build({
  plugins: [builtinsByRequire],
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
