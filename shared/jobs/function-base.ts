/**
 * What every Lambda function of the app starts from, once per container: configuration from
 * the environment (parsed once, the function's own variables with the app's), its logger, SDK
 * options, the policy (read on first use, so a bad policy fails the invocation with its message
 * instead of the cold start) and its middy stack. No SDK client is built here: each function's
 * deps factory (`create<Function>Deps`) builds only the clients it calls.
 */
import { fileURLToPath } from 'node:url';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { loadPolicyFile } from '../aws/policy-file.js';
import { policyParameterReader } from '../aws/policy-parameter.js';
import type { Policy } from '../domain/policy/schema.js';
import { COMMON_ENV, envBoolean, parseEnv } from '../runtime/config.js';
import { createHandler, type OnFinalError } from '../runtime/handler.js';
import { createLogger } from '../runtime/logger.js';

/** Metrics namespace of every metric the app publishes. */
export const METRICS_NAMESPACE = 'ElastiCacheGuardrails';

/** Where the policy comes from, and the switch every change obeys: the one place they are read. */
export const POLICY_ENV = {
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

export const APP_ENV = {
  ...COMMON_ENV,
  STATE_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1).optional(),
  ...POLICY_ENV,
} as const;

/**
 * The policy reader of a function: the SSM parameter when one is named (cached by Powertools),
 * else the policy file, read once per container (a failed read is tried again next time).
 */
function policyReader(
  config: z.infer<z.ZodObject<typeof POLICY_ENV>>,
  aws: { maxAttempts: number },
): () => Promise<Policy> {
  if (config.POLICY_PARAMETER !== undefined) return policyParameterReader(config.POLICY_PARAMETER, aws);
  const policyFile = config.POLICY_FILE ?? fileURLToPath(new URL('./policy.yaml', import.meta.url));
  let policy: Promise<Policy> | undefined;
  return () => {
    policy ??= loadPolicyFile(policyFile).catch((error: unknown) => {
      policy = undefined;
      throw error;
    });
    return policy;
  };
}

/**
 * Configuration, logger, SDK options, policy reader and middy stack of one function.
 *
 * @example
 * const base = createFunctionBase('snapshot-cleanup');
 * export const handler = base.handler({ eventSchema, onFinalError: 'drop' }, async () => run(await base.policy()));
 */
export function createFunctionBase<Extra extends z.ZodRawShape>(
  component: string,
  extra: Extra = {} as Extra,
  env: NodeJS.ProcessEnv = process.env,
) {
  // Parsed once, as one shape; TypeScript cannot resolve zod's output of a generic merged shape.
  const config = parseEnv({ ...APP_ENV, ...extra }, env) as z.infer<z.ZodObject<typeof APP_ENV>> &
    z.infer<z.ZodObject<Extra>>;
  const aws = { maxAttempts: config.AWS_MAX_ATTEMPTS };
  const logger = createLogger(component);
  return {
    component,
    config,
    aws,
    logger,
    policy: policyReader(config, aws),
    /** The function's Lambda handler: the middy stack (shared/runtime/handler.ts) with its logger. */
    handler<Schema extends z.ZodType, Result>(
      options: { eventSchema: Schema; onFinalError: OnFinalError },
      run: (event: z.infer<Schema>, context: Context) => Promise<Result>,
    ) {
      return createHandler({ logger, ...options }, run);
    },
  };
}
export type FunctionBase = ReturnType<typeof createFunctionBase>;

/** The EMF metrics of a function that publishes finding counts. */
export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'elasticache-guardrails' });
}
