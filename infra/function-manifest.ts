/**
 * What a function's manifest (`functions/<name>/function.ts`, `export const manifest`) says about
 * it: every fact of the deployment that is the function's own. infra/functions.cjs reads the
 * manifests (the Serverless Framework `require`s it, and it loads them through tsx as it loads the
 * check registry) and generates from them serverless.yml's `functions:` block, each function's
 * IAM role (infra/iam.cjs: its actions, its `dynamodb:LeadingKeys`), its log group (one per
 * function, by the framework) and its alarms (infra/serverless.cjs).
 */

import { checkPermissions } from '../shared/domain/checks/registry.js';

/** The services whose actions infra/iam.cjs knows how to scope to resources. */
const SERVICES = [
  'elasticache',
  'dynamodb',
  'events',
  'sns',
  'sqs',
  'states',
  'tag',
  'cloudwatch',
  'securityhub',
  'organizations',
  'account',
  's3',
] as const;

/** An AWS action the function's code calls, `service:Action`. */
export type AwsAction = `${(typeof SERVICES)[number]}:${string}`;

const isAwsAction = (action: string): action is AwsAction =>
  (SERVICES as readonly string[]).includes(action.split(':')[0] ?? '');

/**
 * The reads every registered check declares (shared/domain/checks/): in the actions of a function
 * that evaluates every check, so a new check's reads reach its role with no edit to the manifest.
 */
export function checkReads(): AwsAction[] {
  return checkPermissions().map((action) => {
    if (!isAwsAction(action))
      throw new Error(`a check declares ${action}, not an action of ${SERVICES.join(', ')}`);
    return action;
  });
}

/** The state machines of infra/<name>.asl.yaml, whose `${<function>}` tasks invoke functions. */
export type StateMachine = 'migration' | 'durability-upgrade' | 'org-scan';

/** How the function is invoked. Schedules and EventBridge rules invoke it asynchronously. */
export type Trigger =
  /** A schedule: `scanRate` (the deployment parameter) or a `rate(…)` / `cron(…)` expression. */
  | { readonly schedule: 'scanRate' | `rate(${string})` | `cron(${string})` }
  /**
   * An EventBridge rule on the pattern of shared/aws/event-patterns.ts at this path
   * (`<function>.<kind>`); `ownAccountOnly`: only events the deployment's own account put on the
   * bus (`account` is set by EventBridge to the sender's, which no one can forge).
   */
  | { readonly eventBridge: `${string}.${string}`; readonly ownAccountOnly?: true }
  /** The stack's re-check queue, `batchSize` records per invocation, failures reported per record. */
  | { readonly sqs: 'RecheckQueue'; readonly batchSize: number }
  /** A task of a state machine (infra/<stateMachine>.asl.yaml names it `${<function>}`). */
  | { readonly task: StateMachine };

/** Values of the deployment a function may need in its environment (infra/functions.cjs maps each to its variables). */
export type DeploymentValue =
  | 'alertTopic'
  | 'upgradeStateMachine'
  | 'recheckQueue'
  | 'securityHubExport'
  /** The deployment's `scanConcurrency` (SCAN_CONCURRENCY): the most targets scanned at once. */
  | 'scanConcurrency'
  | 'scanBucket';

/** The Lambda metrics alarmed on (a sum above 0 over 5 minutes, to the alert topic). */
export type AlarmMetric = 'Errors' | 'Throttles';

export interface FunctionManifest {
  /** The Lambda function's description. */
  readonly description: string;
  readonly triggers: readonly Trigger[];
  /** Seconds. */
  readonly timeout: number;
  /** MB. */
  readonly memory: number;
  /**
   * Concurrent runs reserved (and allowed) for it, or `scanConcurrency`: the deployment parameter
   * of that name (the organisation scan's Map runs no more items at once); absent: the account's pool.
   */
  readonly reservedConcurrency?: number | 'scanConcurrency';
  /** The deployment values its code reads from its environment, beside every function's own (provider.environment). */
  readonly environment: readonly DeploymentValue[];
  /**
   * The AWS actions its code calls, and nothing else: its IAM role is generated from them, each
   * scoped to the narrowest resources infra/iam.cjs knows (the member role's `sts:AssumeRole` comes with `memberAccess`).
   */
  readonly actions: readonly AwsAction[];
  /**
   * The state-table partitions its code reads or writes, as `dynamodb:LeadingKeys` patterns
   * (PARTITIONS in shared/aws/state-keys.ts); empty when it calls no DynamoDB action.
   */
  readonly stateKeys: readonly string[];
  /** It acts in member accounts through their member role (infra/member-access.yaml): `sts:AssumeRole` and the role's name and external id. */
  readonly memberAccess: boolean;
  /** It opens TCP connections to cache nodes, so it runs in the cache's VPC (the vpc* deployment parameters). */
  readonly vpc: boolean;
  readonly alarms: readonly AlarmMetric[];
}
