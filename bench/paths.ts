/**
 * @module The repository's root as the benches see it: compiled they run from dist/bench/, and
 * through tsx (the scripts the README names, `npx tsx bench/...`) from bench/ itself, one folder
 * less deep. Either way their caches and results go under the clone, never beside it.
 */
import { fileURLToPath } from 'node:url';

const compiled = /\/dist\/bench\/[^/]*$/.test(new URL(import.meta.url).pathname);
export const REPO_ROOT = fileURLToPath(new URL(compiled ? '../../' : '../', import.meta.url));
