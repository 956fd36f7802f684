import * as z from 'zod';
import { accountIdSchema, ouIdSchema, regionSchema } from '../../shared/domain/targets.js';
import { createTargetScanDeps } from '../../shared/jobs/durability/deps.js';
import { publishFindingMetrics, unknownPercent } from '../../shared/jobs/finding-metrics.js';
import { createMetrics } from '../../shared/jobs/function-base.js';
import { scanTarget } from '../../shared/jobs/target-scan.js';

/** Every finding unknown is not compliance: the endpoint's answers lack the 2026-06-02 fields. */
const NOTHING_EVALUATED =
  'nothing evaluated: every finding is unknown (the ElastiCache answers lack Durability, EffectiveDurability or StorageEncryptionType: an endpoint or SDK older than the 2026-06-02 model)';

const scan = createTargetScanDeps();
const metrics = createMetrics();

/** One item of the organisation scan's Map (`{ target }`), or a direct invocation: the deployment's own target. */
const eventSchema = z.looseObject({
  target: z
    .object({ account: accountIdSchema, region: regionSchema, ouPath: z.array(ouIdSchema).min(1).optional() })
    .optional(),
});

/** Scan one target (durability and drift), remediate under the guards in enforce mode, report its counts. */
export const handler = scan.handler({ eventSchema, onFinalError: 'throw' }, async (event, context) => {
  const started = Date.now();
  const settings = await scan.settings();
  const deps = scan.targetJob(context, settings.policy);
  const { result, findings } = await scanTarget(deps, settings, event.target ?? deps.home);
  publishFindingMetrics(metrics, findings, 'target-scan', Date.now() - started);
  scan.logger.info('target scan finished', { ...result });
  if (unknownPercent(findings) === 100)
    scan.logger.warn(NOTHING_EVALUATED, { target: result.target, findings: findings.length });
  return result;
});
