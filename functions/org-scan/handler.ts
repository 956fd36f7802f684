import * as z from 'zod';
import { archiveDroppedTargets } from '../../shared/jobs/dropped-targets.js';
import { createMetrics } from '../../shared/jobs/function-base.js';
import { listTargets, reportTargets } from '../../shared/jobs/org-scan.js';
import { createOrgScanDeps } from '../../shared/jobs/org-scan-deps.js';
import { executionNameSchema, summarizeMapRun, writeTargetList } from '../../shared/jobs/org-scan-map.js';
import { claimRun, releaseRun, reportClaim } from '../../shared/jobs/org-scan-run.js';

const scan = createOrgScanDeps();
const metrics = createMetrics();

/** An execution's name (`$$.Execution.Name`): 1 to 80 characters. */
const execution = z.string().min(1).max(80);

/**
 * The tasks of infra/org-scan.asl.yaml: claim the run; list the targets into the scan bucket;
 * add up the results the Map's ResultWriter wrote there; release the run.
 */
const eventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('claim'), execution, timeoutSeconds: z.number().int().positive() }),
  z.object({ action: z.literal('release'), execution }),
  z.object({ action: z.literal('list'), execution: executionNameSchema }),
  z.object({
    action: z.literal('summarize'),
    unscannedKey: z.string().min(1),
    manifest: z.object({ Bucket: z.string().min(1), Key: z.string().min(1) }),
  }),
]);

/**
 * The run's claim or release; the targets of the policy (or the deployment's own), after
 * archiving the Security Hub findings of those dropped since the last listing; or the summary of
 * every target's result.
 */
export const handler = scan.handler({ eventSchema, onFinalError: 'throw' }, async (event, context) => {
  if (event.action === 'claim') {
    const claim = await claimRun(scan.lock, event);
    reportClaim(claim, scan.logger, metrics);
    return claim;
  }
  if (event.action === 'release') return { released: await releaseRun(scan.lock.store, event.execution) };
  if (event.action === 'summarize') {
    const summary = await summarizeMapRun(scan.objects, event);
    const failing = summary.failed > 0 || summary.exportFailures.length > 0;
    scan.logger[failing ? 'warn' : 'info']('organisation scan finished', { ...summary });
    return summary;
  }
  const policy = await scan.policy();
  const list = await listTargets(scan.job(context, policy), policy);
  reportTargets(list, scan.logger, metrics);
  await archiveDroppedTargets(scan.dropped(context, policy), list);
  // Once for the whole run, so no child reads the previous version's shared partitions in vain.
  const legacyLayout = await scan.legacyLayoutLeft();
  return writeTargetList(scan.objects, event.execution, list, { legacyLayout });
});
