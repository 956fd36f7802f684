import * as z from 'zod';
import { createMetrics } from '../../shared/jobs/function-base.js';
import { listTargets, reportTargets } from '../../shared/jobs/org-scan.js';
import { createOrgScanDeps } from '../../shared/jobs/org-scan-deps.js';
import { executionNameSchema, summarizeMapRun, writeTargetList } from '../../shared/jobs/org-scan-map.js';

const scan = createOrgScanDeps();
const metrics = createMetrics();

/**
 * The two tasks of infra/org-scan.asl.yaml: list the targets into the scan bucket; add up the
 * results the Map's ResultWriter wrote there.
 */
const eventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('list'), execution: executionNameSchema }),
  z.object({
    action: z.literal('summarize'),
    unscannedKey: z.string().min(1),
    manifest: z.object({ Bucket: z.string().min(1), Key: z.string().min(1) }),
  }),
]);

/** The targets of the policy (or the deployment's own), or the summary of every target's result. */
export const handler = scan.handler({ eventSchema, onFinalError: 'throw' }, async (event, context) => {
  if (event.action === 'summarize') {
    const summary = await summarizeMapRun(scan.objects, event);
    const failing = summary.failed > 0 || summary.exportFailures.length > 0;
    scan.logger[failing ? 'warn' : 'info']('organisation scan finished', { ...summary });
    return summary;
  }
  const policy = await scan.policy();
  const list = await listTargets(scan.job(context, policy), policy);
  reportTargets(list, scan.logger, metrics);
  return writeTargetList(scan.objects, event.execution, list);
});
