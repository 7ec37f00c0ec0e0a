/** @module Test helper: runs the CLI from source in a child process (`node --import tsx src/testing/cli-entry.ts ...`). */
import { run } from '../apps/cli/main.js';

process.exitCode = await run(process.argv.slice(2));
