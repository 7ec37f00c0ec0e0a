/**
 * @module V8 flags the agent sets for itself, first thing, since NODE_OPTIONS may not carry them:
 * `--no-opt` (no TurboFan). The agent's JavaScript per alert is small beside its I/O, and Maglev
 * (V8's mid tier) still compiles it; TurboFan's compiler code and zones were ~6-9 MB of the agent's
 * RSS at 1,000 alerts/s for no CPU we could measure, at 1,000 alerts/s or in `--once`
 * (bench/agent.bench.ts). Imported before everything else by the bundle's entry (main.ts).
 */
import { setFlagsFromString } from 'node:v8';

// V8 reads the flag whenever it would optimize a function, so setting it at run time holds for all later code.
setFlagsFromString('--no-opt');
