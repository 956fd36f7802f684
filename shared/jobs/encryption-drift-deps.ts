/**
 * The encryption-drift job's dependencies: the ElastiCache and tagging clients, the state
 * store (baselines), EventBridge and the SNS alert topic, and nothing else.
 */
import * as z from 'zod';
import { createFleetClients } from '../aws/clients.js';
import { AlertPublisher, EventPublisher } from '../aws/notify.js';
import { StateStore } from '../aws/state-store.js';
import type { DriftJobDeps } from './encryption-drift.js';
import { createFunctionBase } from './function-base.js';

/**
 * Build once per container.
 *
 * @example
 * const drift = createDeps();
 * await scanEncryptionDrift(drift.job, await drift.policy());
 */
export function createDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createFunctionBase('encryption-drift', { ALERT_TOPIC_ARN: z.string().min(1) }, env);
  const job: DriftJobDeps = {
    clients: createFleetClients(base.aws),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: new EventPublisher(base.config.EVENT_BUS_NAME, base.aws),
    alerts: new AlertPublisher(base.config.ALERT_TOPIC_ARN, base.aws),
    logger: base.logger,
  };
  return { ...base, job };
}
