/**
 * The `guardrails` command: bundled into dist/guardrails.mjs when the package is packed
 * (infra/build.ts), run from source by `npm run guardrails`.
 */
import { defaultIo, runCli } from '../cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), defaultIo());
