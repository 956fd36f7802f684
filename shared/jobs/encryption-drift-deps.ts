/**
 * The encryption-drift job's dependencies: the ElastiCache and tagging clients, the state
 * store (baselines), EventBridge and the SNS alert topic, and nothing else.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { createFleetClients } from '../aws/clients.js';
import { AlertPublisher, EventPublisher } from '../aws/notify.js';
import { StateStore } from '../aws/state-store.js';
import type { DriftJobDeps, DriftScope } from './encryption-drift.js';
import { createFunctionBase } from './function-base.js';
import { homeTarget } from './org-scan.js';

/**
 * Build once per container.
 *
 * @example
 * const drift = createDeps();
 * await scanEncryptionDrift(drift.job, await drift.policy(), drift.scope(context));
 */
export function createDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createFunctionBase(
    'encryption-drift',
    { ALERT_TOPIC_ARN: z.string().min(1), AWS_REGION: z.string().min(1) },
    env,
  );
  const job: DriftJobDeps = {
    clients: createFleetClients(base.aws),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: new EventPublisher(base.config.EVENT_BUS_NAME, base.aws),
    alerts: new AlertPublisher(base.config.ALERT_TOPIC_ARN, base.aws),
    logger: base.logger,
  };
  return {
    ...base,
    job,
    /**
     * This function scans the deployment's own account and region only: it answers for their
     * baselines alone (the organisation scan's targets answer for theirs).
     */
    scope: (context: Pick<Context, 'invokedFunctionArn'>): DriftScope => ({
      target: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
    }),
  };
}
