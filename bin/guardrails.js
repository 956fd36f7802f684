#!/usr/bin/env node
// Runs the TypeScript CLI in place; the Lambda functions are bundled by esbuild instead.
import { register } from 'tsx/esm/api';

register();
const { runCli, defaultIo } = await import('../shared/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), defaultIo());
