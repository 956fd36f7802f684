import { archiveDroppedTargets } from '../../shared/jobs/dropped-targets.js';
import { createMetrics } from '../../shared/jobs/function-base.js';
import { listTargets, reportTargets } from '../../shared/jobs/org-scan.js';
import { createOrgScanDeps } from '../../shared/jobs/org-scan-deps.js';
import {
  orgScanTaskSchema as eventSchema,
  reportSummary,
  summarizeMapRun,
  writeTargetList,
} from '../../shared/jobs/org-scan-map.js';
import { claimRun, releaseRun, reportClaim } from '../../shared/jobs/org-scan-run.js';

const scan = createOrgScanDeps();
const metrics = createMetrics();

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
    reportSummary(summary, scan.logger);
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
