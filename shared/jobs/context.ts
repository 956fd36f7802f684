/**
 * What every Lambda function of the app is built from, once per container: its logger and
 * metrics, configuration from the environment, SDK clients, the state store, the event
 * publisher and the policy (read on first use, so a bad policy fails the invocation with
 * its message instead of the cold start).
 */
import { fileURLToPath } from 'node:url';
import { Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { createFleetClients } from '../aws/clients.js';
import { createMetricsClient } from '../aws/durability-metrics.js';
import { EventPublisher } from '../aws/notify.js';
import { policyParameterReader } from '../aws/policy-parameter.js';
import { StateStore } from '../aws/state-store.js';
import { loadPolicyFile } from '../domain/policy/load.js';
import type { Policy } from '../domain/policy/schema.js';
import { COMMON_ENV, envBoolean, parseEnv } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import type { DurabilityJobDeps } from './durability.js';

/** Metrics namespace of every metric the app publishes. */
export const METRICS_NAMESPACE = 'ElastiCacheGuardrails';

export const APP_ENV = {
  ...COMMON_ENV,
  STATE_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** The global switch: a new deployment changes nothing until this is set to false. */
  DRY_RUN: envBoolean.default(true),
  /** The bundled policy sits beside the bundle; a deployment may point elsewhere. */
  POLICY_FILE: z.string().min(1).optional(),
  /** An SSM String parameter holding the policy YAML; takes precedence over POLICY_FILE. Empty: unset. */
  POLICY_PARAMETER: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
} as const;

export function createAppContext<Extra extends z.ZodRawShape>(
  component: string,
  extra: Extra = {} as Extra,
  env: NodeJS.ProcessEnv = process.env,
) {
  const config = { ...parseEnv(APP_ENV, env), ...parseEnv(extra, env) };
  const aws = { maxAttempts: config.AWS_MAX_ATTEMPTS };
  const logger = createLogger(component);
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'elasticache-guardrails' });
  const clients = createFleetClients(aws);
  const cloudwatch = createMetricsClient(aws);
  const store = new StateStore(config.STATE_TABLE, aws);
  const events = new EventPublisher(config.EVENT_BUS_NAME, aws);
  const policyFile = config.POLICY_FILE ?? fileURLToPath(new URL('./policy.yaml', import.meta.url));
  const policyParameter =
    config.POLICY_PARAMETER === undefined ? undefined : policyParameterReader(config.POLICY_PARAMETER, aws);
  let policy: Promise<Policy> | undefined;
  return {
    config,
    logger,
    metrics,
    clients,
    store,
    events,
    policy(): Promise<Policy> {
      if (policyParameter !== undefined) return policyParameter();
      policy ??= loadPolicyFile(policyFile).catch((error: unknown) => {
        policy = undefined;
        throw error;
      });
      return policy;
    },
    /** The durability job's dependencies for one invocation. */
    durabilityDeps(requestId: string): DurabilityJobDeps {
      return { clients, cloudwatch, store, events, logger, holder: `${component}/${requestId}` };
    },
  };
}
