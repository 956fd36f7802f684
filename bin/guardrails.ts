/**
 * The `guardrails` command: bundled into dist/guardrails.mjs when the package is packed
 * (infra/build.ts), run from source by `npm run guardrails`. The Node check comes first; the
 * CLI is loaded after it, so an old Node gets one line instead of a TypeError from a dependency.
 */
import { exitUnlessSupportedNode } from '../shared/runtime/node-version.js';

exitUnlessSupportedNode();
const { defaultIo, runCli } = await import('../cli/main.js');
process.exitCode = await runCli(process.argv.slice(2), defaultIo());
