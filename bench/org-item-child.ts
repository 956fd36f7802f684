/**
 * Child process of the organisation scan's RSS benchmark: one Map item, i.e. the
 * target-scan function's handler (bundled as deployed) given one member target, against
 * the sandbox at argv[2] with the state table at argv[3]; the environment is set by the parent
 * as a deployment sets it. Reports the item's result and maxRSS.
 */
import type { Context } from 'aws-lambda';
import { handler } from '../functions/target-scan/handler.js';

const [account = '', region = ''] = process.argv.slice(2);
const context = {
  awsRequestId: 'bench-item',
  functionName: 'target-scan',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:target-scan',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;
const result = await handler({ target: { account, region } }, context);
console.log(JSON.stringify({ result, maxRssKb: process.resourceUsage().maxRSS }));
