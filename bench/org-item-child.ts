/**
 * Child process of the organisation scan's per-child benchmark: one child execution's task, i.e.
 * the target-scan function's handler (bundled as deployed) given one account item
 * (`{ account, regions }`: argv[2], argv[3] comma-separated) against the sandbox the parent set
 * in the environment, as a deployment sets it. Reports the item's result, the handler's CPU
 * time and maxRSS.
 */
import type { Context } from 'aws-lambda';
import { handler } from '../functions/target-scan/handler.js';

const [account = '', regions = ''] = process.argv.slice(2);
const context = {
  awsRequestId: 'bench-item',
  functionName: 'target-scan',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:target-scan',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;
const cpu = process.cpuUsage();
const result = await handler({ account, regions: regions.split(',') }, context);
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    result,
    cpuMs: (used.user + used.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
