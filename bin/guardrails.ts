/**
 * The `guardrails` command: bundled into dist/guardrails.mjs when the package is packed
 * (infra/build.ts), run from source by `npm run guardrails`. The Node check comes first; the
 * CLI is loaded after it, so an old Node gets one line instead of a TypeError from a dependency.
 */
import { exitUnlessSupportedNode } from '../shared/runtime/node-version.js';

exitUnlessSupportedNode();
// The Node check is ours, said once: the AWS SDK's own (a multi-line NodeVersionSupportWarning
// whenever its floor passes this Node) is turned off by the switch the SDK documents for it
// (aws/aws-sdk-js-v3#7983), set before the SDK is loaded.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { defaultIo, runCli } = await import('../cli/main.js');
process.exitCode = await runCli(process.argv.slice(2), defaultIo());
