/**
 * The encryption-drift job's dependencies: the ElastiCache and tagging clients, the state
 * store (baselines), EventBridge, the SNS alert topic and, for an event forwarded from a member
 * account, that account's credentials (STS) and its place in the organisation (Organizations
 * ListParents, when the policy's targets name OUs); nothing else.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { sentAlertLedger } from '../aws/alert-ledger.js';
import { createFleetClients } from '../aws/clients.js';
import { AlertPublisher, EventPublisher } from '../aws/notify.js';
import { OrganizationUnits } from '../aws/organization.js';
import { StateStore } from '../aws/state-store.js';
import { MemberCredentials } from '../aws/targets.js';
import type { Policy } from '../domain/policy/schema.js';
import type { DriftJobDeps, DriftTargetDeps } from './encryption-drift.js';
import { MEMBER_ENV, perMemberAccess } from './member-env.js';
import { homeTarget } from './org-scan.js';
import { createPolicyFunctionBase } from './policy-source.js';

/**
 * Build once per container.
 *
 * @example
 * const drift = createEncryptionDriftDeps();
 * const policy = await drift.policy();
 * await scanDriftOf(drift.job(context, policy), policy, event.target);
 */
export function createEncryptionDriftDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createPolicyFunctionBase(
    'encryption-drift',
    { ALERT_TOPIC_ARN: z.string().min(1), AWS_REGION: z.string().min(1), ...MEMBER_ENV },
    env,
  );
  const store = new StateStore(base.config.STATE_TABLE, base.aws);
  const own: DriftJobDeps = {
    clients: createFleetClients(base.aws),
    store,
    events: new EventPublisher(base.config.EVENT_BUS_NAME, base.aws),
    // One SNS message per alert id, however often a pending alert is sent.
    alerts: new AlertPublisher(base.config.ALERT_TOPIC_ARN, base.aws, sentAlertLedger(store)),
    logger: base.logger,
  };
  /** Member accounts' credentials, one AssumeRole per account for the container's life. */
  const membersFor = perMemberAccess(
    base.config,
    base.aws,
    (access) => new MemberCredentials(access, base.aws),
  );
  const units = new OrganizationUnits(base.aws);
  return {
    ...base,
    /**
     * One invocation's deps. Its own target (account of its ARN, its region) is compared with
     * its own clients and answers for that target's baselines alone (the organisation scan's
     * targets answer for theirs); a member's target is reached through the member role.
     */
    job: (context: Pick<Context, 'invokedFunctionArn'>, policy: Policy): DriftTargetDeps => ({
      ...own,
      home: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
      members: membersFor(policy),
      aws: base.aws,
      units,
    }),
  };
}
