/**
 * The migration tasks' context: every client any migration step may call. The other
 * functions build only their own (`createDeps` beside each job); this goes once the migration
 * job has its own.
 */
import type * as z from 'zod';
import { createFleetClients } from '../aws/clients.js';
import { createMetricsClient } from '../aws/durability-metrics.js';
import { EventPublisher } from '../aws/notify.js';
import { StateStore } from '../aws/state-store.js';
import type { DurabilityJobDeps } from './durability.js';
import { createFunctionBase, createMetrics } from './function-base.js';

export { APP_ENV, METRICS_NAMESPACE } from './function-base.js';

export function createAppContext<Extra extends z.ZodRawShape>(
  component: string,
  extra: Extra = {} as Extra,
  env: NodeJS.ProcessEnv = process.env,
) {
  const base = createFunctionBase(component, extra, env);
  const clients = createFleetClients(base.aws);
  const cloudwatch = createMetricsClient(base.aws);
  const store = new StateStore(base.config.STATE_TABLE, base.aws);
  const events = new EventPublisher(base.config.EVENT_BUS_NAME, base.aws);
  const { logger } = base;
  return {
    config: base.config,
    logger,
    metrics: createMetrics(),
    clients,
    store,
    events,
    policy: base.policy,
    /** The durability job's dependencies for one invocation. */
    durabilityDeps(requestId: string): DurabilityJobDeps {
      return { clients, cloudwatch, store, events, logger, holder: `${component}/${requestId}` };
    },
  };
}
