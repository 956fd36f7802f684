/**
 * The pieces each workflow function (`migration-*`, `durability-upgrade`) builds its deps
 * from, one adapter at a time: a function imports only the factories it calls, so its bundle
 * holds only those SDK clients.
 * The state store is built where it is used: importing its module at all bundles the
 * DynamoDB document client (lib-dynamodb is not marked free of side effects).
 */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { MiddlewareStack } from '@smithy/types';
import * as z from 'zod';
import { createClient } from '../../aws/clients.js';
import { guardMutations } from '../../aws/mutation.js';
import { AlertPublisher, EventPublisher } from '../../aws/notify.js';
import { COMMON_ENV, parseEnv } from '../../runtime/config.js';

/** What every workflow function reads from its environment. */
export const WORKFLOW_ENV = {
  ...COMMON_ENV,
  STATE_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Where approval requests and failures are announced to people; events always go out. */
  ALERT_TOPIC_ARN: z.string().min(1).optional(),
} as const;
export type WorkflowConfig = ReturnType<typeof workflowConfig>;

/** The environment parsed (a bad value is a ConfigError naming the variable). */
export function workflowConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(WORKFLOW_ENV, env);
}

/** How every SDK client of a workflow function is built from its config. */
export const awsOptions = (config: WorkflowConfig) => ({ maxAttempts: config.AWS_MAX_ATTEMPTS });

/** The wall clock; local runs pass the sandbox's instead. */
export const wallClock = () => new Date();

/** ElastiCache, with changes never retried blindly (see shared/aws/mutation.ts). */
export function elastiCacheOf(config: WorkflowConfig): ElastiCacheClient {
  const client = createClient(ElastiCacheClient, awsOptions(config));
  guardMutations(client.middlewareStack as unknown as MiddlewareStack<object, object>);
  return client;
}

export const eventsOf = (config: WorkflowConfig) =>
  new EventPublisher(config.EVENT_BUS_NAME, awsOptions(config));

export const alertsOf = (config: WorkflowConfig) =>
  config.ALERT_TOPIC_ARN === undefined
    ? undefined
    : new AlertPublisher(config.ALERT_TOPIC_ARN, awsOptions(config));
