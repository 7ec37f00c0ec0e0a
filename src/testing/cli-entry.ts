/** @module Test helper: runs the CLI from source in a child process (`node --import tsx src/testing/cli-entry.ts ...`). */
import { run } from '../apps/cli/main.js';

// As bin/hidsmon.js: what the CLI creates is its owner's alone.
process.umask(0o077);

process.exitCode = await run(process.argv.slice(2));
