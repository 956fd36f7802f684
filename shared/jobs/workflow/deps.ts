/**
 * The pieces each workflow function (`migration-*`, `durability-upgrade`) builds its deps
 * from, one adapter at a time: a function imports only the factories it calls, so its bundle
 * holds only those SDK clients.
 * The state store is built where it is used: importing its module at all bundles the
 * DynamoDB document client (lib-dynamodb is not marked free of side effects).
 */
import * as z from 'zod';
import { type AwsClientOptions, createElastiCacheClient, type ElastiCacheClient } from '../../aws/clients.js';
import { AlertPublisher, EventPublisher } from '../../aws/notify.js';
import { createFunctionBase } from '../function-base.js';

/** What every workflow function reads from its environment beyond the app's (function-base.ts). */
export const WORKFLOW_ENV = {
  /** Where approval requests and failures are announced to people; events always go out. */
  ALERT_TOPIC_ARN: z.string().min(1).optional(),
} as const;

/**
 * A workflow function's base (shared/jobs/function-base.ts), its own settings in `extra`.
 *
 * @example
 * const base = workflowBase('migration-snapshot', {}, env);
 * return { ...base, elasticache: elastiCacheOf(base), events: eventsOf(base), now: wallClock };
 */
export function workflowBase<Extra extends z.ZodRawShape>(
  component: string,
  extra: Extra,
  env: NodeJS.ProcessEnv,
) {
  return createFunctionBase(component, { ...WORKFLOW_ENV, ...extra }, env);
}

/** What the client builders read of a function's base. */
interface ClientBase {
  aws: AwsClientOptions;
  config: { EVENT_BUS_NAME?: string; ALERT_TOPIC_ARN?: string };
}

/** The wall clock; local runs pass the sandbox's instead. */
export const wallClock = () => new Date();

/** ElastiCache, with changes never retried blindly (see shared/aws/mutation.ts). */
export function elastiCacheOf(base: Pick<ClientBase, 'aws'>): ElastiCacheClient {
  return createElastiCacheClient(base.aws);
}

export const eventsOf = (base: ClientBase) => new EventPublisher(base.config.EVENT_BUS_NAME, base.aws);

export const alertsOf = (base: ClientBase) =>
  base.config.ALERT_TOPIC_ARN === undefined
    ? undefined
    : new AlertPublisher(base.config.ALERT_TOPIC_ARN, base.aws);
