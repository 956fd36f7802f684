/**
 * The durability job's dependencies: CloudWatch (DurabilityLag), the state store, the event
 * publisher and ElastiCache, plus, for the scheduled scan of a target, the tagging client, the
 * alert topic (its drift scan) and the member accounts' credentials (STS). Nothing else is
 * built or bundled.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { sentAlertLedger } from '../../aws/alert-ledger.js';
import { type AwsClientOptions, createElastiCacheClient } from '../../aws/clients.js';
import { createMetricsClient } from '../../aws/durability-metrics.js';
import { AlertPublisher, EventPublisher } from '../../aws/notify.js';
import { OrganizationUnits } from '../../aws/organization.js';
import { RecheckQueue } from '../../aws/recheck-queue.js';
import { SecurityHubImporter } from '../../aws/security-hub.js';
import { StateStore } from '../../aws/state-store.js';
import { StepFunctionsUpgradeStarter } from '../../aws/upgrade-starter.js';
import type { Policy } from '../../domain/policy/schema.js';
import { envBoolean, envPositiveInt } from '../../runtime/config.js';
import { MEMBER_ENV, perMemberAccess } from '../member-env.js';
import { homeTarget, memberCredentialsFor } from '../org-scan.js';
import { createPolicyFunctionBase, type PolicyFunctionBase } from '../policy-source.js';
import type { TargetScanDeps } from '../target-scan.js';
import type { DurabilityJobSettings } from './pipeline.js';
import type { GroupCheckDeps } from './ports.js';
import { MemberClients, partialHomeTarget, type ReactionDeps } from './react.js';

/** The upgrade workflow's state machine, when the deployment names it (empty: none). */
const UPGRADE_ENV = {
  UPGRADE_STATE_MACHINE_ARN: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
};

/** Starts the upgrade workflow (staged upgrades, soaks of in-place changes), or none. */
const upgradeStarterOf = (arn: string | undefined, aws: AwsClientOptions) =>
  arn === undefined ? undefined : new StepFunctionsUpgradeStarter(arn, aws);

/**
 * The scan may start staged upgrades and soaks when the deployment names their state machine;
 * its drift half alerts on the topic; member accounts are reached through the deployment's role name.
 */
const SCAN_ENV = {
  ...UPGRADE_ENV,
  ALERT_TOPIC_ARN: z.string().min(1),
  AWS_REGION: z.string().min(1),
  /** Export each target's findings to Security Hub (in the target's account and region). */
  SECURITY_HUB_EXPORT: envBoolean.default(false),
  ...MEMBER_ENV,
};

/** What every durability function shares: the central state store and event bus, its settings. */
function centralDeps<Extra extends z.ZodRawShape>(base: PolicyFunctionBase<Extra>) {
  const store = new StateStore(base.config.STATE_TABLE, base.aws);
  const events = new EventPublisher(base.config.EVENT_BUS_NAME, base.aws);
  const { logger, component } = base;
  return {
    ...base,
    /** One invocation's central deps; leases name the function and request as holder. */
    central: (requestId: string) => ({ store, events, logger, holder: `${component}/${requestId}` }),
    async settings(): Promise<DurabilityJobSettings> {
      return { policy: await base.policy(), dryRun: base.config.DRY_RUN };
    },
  };
}

function durabilityDeps<Clients extends GroupCheckDeps['clients'], Extra extends z.ZodRawShape>(
  base: PolicyFunctionBase<Extra>,
  clients: Clients,
) {
  const cloudwatch = createMetricsClient(base.aws);
  const deps = centralDeps(base);
  return {
    ...deps,
    /** One invocation's deps; leases name the function and request as holder. */
    job: (requestId: string) => ({ ...deps.central(requestId), clients, cloudwatch }),
  };
}

/**
 * The scheduled scan's deps (one target per invocation), built once per container.
 *
 * @example
 * const scan = createTargetScanDeps();
 * const settings = await scan.settings();
 * await scanTarget(scan.targetJob(context, settings.policy), settings, target);
 */
export function createTargetScanDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createPolicyFunctionBase('target-scan', SCAN_ENV, env);
  const deps = centralDeps(base);
  const upgrades = upgradeStarterOf(base.config.UPGRADE_STATE_MACHINE_ARN, base.aws);
  // The drift comparison it runs per target sends each alert once (see encryption-drift-deps.ts).
  const alerts = new AlertPublisher(
    base.config.ALERT_TOPIC_ARN,
    base.aws,
    sentAlertLedger(deps.central('').store),
  );
  const membersFor = memberCredentialsFor(base.config, base.aws);
  return {
    ...deps,
    /** One invocation's deps: the home target from its context, members from the policy. */
    targetJob(context: Pick<Context, 'awsRequestId' | 'invokedFunctionArn'>, policy: Policy): TargetScanDeps {
      return {
        ...deps.central(context.awsRequestId),
        home: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
        members: membersFor(policy),
        aws: base.aws,
        alerts,
        upgrades,
        ...(base.config.SECURITY_HUB_EXPORT
          ? { securityHub: (options: AwsClientOptions) => new SecurityHubImporter(options) }
          : {}),
      };
    },
  };
}

/**
 * The event reaction's own settings: its re-check queue and how often a changing group is looked
 * at again; its region (the account comes from the invocation's ARN); the member role.
 */
const REACT_ENV = {
  RECHECK_QUEUE_URL: z.string().min(1),
  MAX_RECHECKS: envPositiveInt.max(50).default(8),
  AWS_REGION: z.string().min(1).optional(),
  ...MEMBER_ENV,
};

/**
 * The event reaction's deps, built once per container: member accounts' clients (one AssumeRole
 * per account for the container's life), the organisation's units, the re-check queue. With the
 * upgrade workflow named, it starts what the scan starts in its own target: the soak of a change
 * it sees take effect, and the staged upgrades the policy allows.
 *
 * @example
 * const durability = createDurabilityReactDeps();
 * const settings = await durability.settings();
 * await reactToEvent(durability.reactionJob(context, settings.policy), settings, durability.rechecks, resource);
 */
export function createDurabilityReactDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createPolicyFunctionBase('durability-react', REACT_ENV, env);
  const deps = durabilityDeps(base, { elasticache: createElastiCacheClient(base.aws) });
  // Optional, so it is read on its own: it cannot be missing, only empty (none).
  const { UPGRADE_STATE_MACHINE_ARN } = z.object(UPGRADE_ENV).parse(env);
  const upgrades = upgradeStarterOf(UPGRADE_STATE_MACHINE_ARN, base.aws);
  const membersFor = perMemberAccess(base.config, base.aws, (access) => new MemberClients(access, base.aws));
  const units = new OrganizationUnits(base.aws);
  return {
    ...deps,
    rechecks: {
      queue: new RecheckQueue(base.config.RECHECK_QUEUE_URL, base.aws),
      maxRechecks: base.config.MAX_RECHECKS,
    },
    /** One reaction's deps: the home target as far as known, members from the policy. */
    reactionJob: (
      context: Pick<Context, 'awsRequestId' | 'invokedFunctionArn'>,
      policy: Policy,
    ): ReactionDeps => ({
      ...deps.job(context.awsRequestId),
      upgrades,
      members: membersFor(policy),
      home: partialHomeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
      units,
    }),
  };
}
