/**
 * What every Lambda function of the app starts from, once per container: configuration from
 * the environment, its logger, SDK options and the policy (read on first use, so a bad policy
 * fails the invocation with its message instead of the cold start). No SDK client is built
 * here: each job's `createDeps` builds only the clients it calls.
 */
import { fileURLToPath } from 'node:url';
import { Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { loadPolicyFile } from '../aws/policy-file.js';
import { policyParameterReader } from '../aws/policy-parameter.js';
import type { Policy } from '../domain/policy/schema.js';
import { COMMON_ENV, envBoolean, parseEnv } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';

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

/**
 * Configuration, logger, SDK options and policy reader of one function.
 *
 * @example
 * const base = createFunctionBase('snapshot-cleanup');
 * const policy = await base.policy();
 */
export function createFunctionBase<Extra extends z.ZodRawShape>(
  component: string,
  extra: Extra = {} as Extra,
  env: NodeJS.ProcessEnv = process.env,
) {
  const config = { ...parseEnv(APP_ENV, env), ...parseEnv(extra, env) };
  const aws = { maxAttempts: config.AWS_MAX_ATTEMPTS };
  const policyFile = config.POLICY_FILE ?? fileURLToPath(new URL('./policy.yaml', import.meta.url));
  const policyParameter =
    config.POLICY_PARAMETER === undefined ? undefined : policyParameterReader(config.POLICY_PARAMETER, aws);
  let policy: Promise<Policy> | undefined;
  return {
    component,
    config,
    aws,
    logger: createLogger(component),
    policy(): Promise<Policy> {
      if (policyParameter !== undefined) return policyParameter();
      policy ??= loadPolicyFile(policyFile).catch((error: unknown) => {
        policy = undefined;
        throw error;
      });
      return policy;
    },
  };
}

/** The EMF metrics of a function that publishes finding counts. */
export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'elasticache-guardrails' });
}
