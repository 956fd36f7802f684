import { createTargetScanDeps } from '../../shared/jobs/durability/deps.js';
import { publishFindingMetrics, unknownPercent } from '../../shared/jobs/finding-metrics.js';
import { createMetrics } from '../../shared/jobs/function-base.js';
import {
  targetScanEventSchema as eventSchema,
  scanAccount,
  scanTarget,
} from '../../shared/jobs/target-scan.js';

/** Every finding unknown is not compliance: the endpoint's answers lack the 2026-06-02 fields. */
const NOTHING_EVALUATED =
  'nothing evaluated: every finding is unknown (the ElastiCache answers lack Durability, EffectiveDurability or StorageEncryptionType: an endpoint or SDK older than the 2026-06-02 model)';

const scan = createTargetScanDeps();
const metrics = createMetrics();

/**
 * Scan an account's regions (a result per region, `{ account, results }`) or one target (its
 * result): durability and drift, remediating under the guards in enforce mode.
 */
export const handler = scan.handler({ eventSchema, onFinalError: 'throw' }, async (event, context) => {
  const started = Date.now();
  const settings = await scan.settings();
  const deps = scan.targetJob(context, settings.policy);
  const outcomes =
    event.regions !== undefined
      ? await scanAccount(deps, settings, event)
      : [await scanTarget(deps, settings, event.target ?? deps.home)];
  const findings = outcomes.flatMap((outcome) => outcome.findings);
  const results = outcomes.map((outcome) => outcome.result);
  publishFindingMetrics(metrics, findings, 'target-scan', Date.now() - started);
  for (const result of results) scan.logger.info('target scan finished', { ...result });
  if (unknownPercent(findings) === 100)
    scan.logger.warn(NOTHING_EVALUATED, {
      targets: results.map((result) => result.target),
      findings: findings.length,
    });
  return event.regions !== undefined ? { account: event.account, results } : results[0];
});
