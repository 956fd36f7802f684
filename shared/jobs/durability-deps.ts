/**
 * The durability job's dependencies: CloudWatch (DurabilityLag), the state store, the event
 * publisher and ElastiCache, plus the tagging client for the fleet scan only (a reaction
 * reads one group's tags from ElastiCache). Nothing else is built or bundled.
 */
import * as z from 'zod';
import { createElastiCacheClient, createFleetClients } from '../aws/clients.js';
import { createMetricsClient } from '../aws/durability-metrics.js';
import { EventPublisher } from '../aws/notify.js';
import { StateStore } from '../aws/state-store.js';
import { StepFunctionsUpgradeStarter } from '../aws/upgrade-starter.js';
import type { DurabilityJobDeps, DurabilityJobSettings, GroupCheckDeps } from './durability.js';
import { createFunctionBase } from './function-base.js';

/** The scan may start staged upgrades when the deployment names their state machine. */
const SCAN_ENV = {
  UPGRADE_STATE_MACHINE_ARN: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
};

function durabilityDeps<Clients extends GroupCheckDeps['clients'], Extra extends z.ZodRawShape>(
  base: ReturnType<typeof createFunctionBase<Extra>>,
  clients: Clients,
) {
  const cloudwatch = createMetricsClient(base.aws);
  const store = new StateStore(base.config.STATE_TABLE, base.aws);
  const events = new EventPublisher(base.config.EVENT_BUS_NAME, base.aws);
  const { logger, component } = base;
  return {
    ...base,
    /** One invocation's deps; leases name the function and request as holder. */
    job: (requestId: string) => ({
      clients,
      cloudwatch,
      store,
      events,
      logger,
      holder: `${component}/${requestId}`,
    }),
    async settings(): Promise<DurabilityJobSettings> {
      return { policy: await base.policy(), dryRun: base.config.DRY_RUN };
    },
  };
}

/**
 * The scheduled scan's deps, built once per container.
 *
 * @example
 * const durability = createScanDeps();
 * await scanDurability(durability.job(context.awsRequestId), await durability.settings());
 */
export function createScanDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createFunctionBase('durability-scan', SCAN_ENV, env);
  const deps = durabilityDeps(base, createFleetClients(base.aws));
  const arn = base.config.UPGRADE_STATE_MACHINE_ARN;
  const upgrades = arn === undefined ? undefined : new StepFunctionsUpgradeStarter(arn, base.aws);
  return { ...deps, job: (requestId: string) => ({ ...deps.job(requestId), upgrades }) } satisfies {
    job: (requestId: string) => DurabilityJobDeps;
  };
}

/**
 * The event reaction's deps (its own settings in `extra`), built once per container.
 *
 * @example
 * const durability = createReactDeps({ MAX_RECHECKS: envPositiveInt });
 * await checkGroup(durability.job(context.awsRequestId), await durability.settings(), id);
 */
export function createReactDeps<Extra extends z.ZodRawShape>(
  extra: Extra,
  env: NodeJS.ProcessEnv = process.env,
) {
  const base = createFunctionBase('durability-react', extra, env);
  return durabilityDeps(base, { elasticache: createElastiCacheClient(base.aws) });
}
