/**
 * The functions' manifests (functions/<name>/function.ts) as the deployment reads them
 * (infra/manifests.cjs), for the tests that check the deployment against them.
 */
import { createRequire } from 'node:module';
import type { FunctionManifest } from '../infra/function-manifest.js';

const { FUNCTIONS, manifestOf } = createRequire(import.meta.url)('../infra/manifests.cjs') as {
  FUNCTIONS: string[];
  manifestOf(name: string): FunctionManifest;
};

export { FUNCTIONS, manifestOf };

/** The functions that open TCP connections to cache nodes (`vpc: true`): in the cache's VPC. */
export const NODE_READERS = FUNCTIONS.filter((name) => manifestOf(name).vpc);
