/**
 * What every Lambda function of the app starts from, once per container: configuration from
 * the environment (parsed once, the function's own variables with the app's), its logger, SDK
 * options and its middy stack. No SDK client is built here: each function's deps factory
 * (`create<Function>Deps`) builds only the clients it calls, and a function that reads the
 * policy starts from `createPolicyFunctionBase` (policy-source.ts) instead.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { COMMON_ENV, parseEnv } from '../runtime/config.js';
import { createHandler, type OnFinalError } from '../runtime/handler.js';
import { createLogger } from '../runtime/logger.js';

/** Metrics namespace of every metric the app publishes. */
export const METRICS_NAMESPACE = 'ElastiCacheGuardrails';

export const APP_ENV = {
  ...COMMON_ENV,
  STATE_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1).optional(),
} as const;

/**
 * Configuration, logger, SDK options and middy stack of one function.
 *
 * @example
 * const base = createFunctionBase('fleet-census');
 * export const handler = base.handler({ eventSchema, onFinalError: 'drop' }, async () => count(base.aws));
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
