/**
 * The organisation scan function's dependencies: Organizations (the accounts), STS (a member's
 * credentials, to read its enabled regions and to archive a dropped target's findings), the
 * state table (the last target list, the Security Hub import records) and Security Hub.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { SecurityHubImporter } from '../aws/security-hub.js';
import { StateStore } from '../aws/state-store.js';
import { MemberCredentials } from '../aws/targets.js';
import type { Policy } from '../domain/policy/schema.js';
import { type DroppedTargetDeps, stateTableHistory } from './dropped-targets.js';
import { MEMBER_ENV, perMemberAccess } from './member-env.js';
import { homeTarget, memberCredentialsFor, type TargetListDeps } from './org-scan.js';
import { createPolicyFunctionBase } from './policy-source.js';

/**
 * Build once per container.
 *
 * @example
 * const scan = createOrgScanDeps();
 * const policy = await scan.policy();
 * const list = await listTargets(scan.job(context, policy), policy);
 * await archiveDroppedTargets(scan.dropped(context, policy), list);
 */
export function createOrgScanDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createPolicyFunctionBase('org-scan', { AWS_REGION: z.string().min(1), ...MEMBER_ENV }, env);
  const membersFor = memberCredentialsFor(base.config, base.aws);
  // A dropped target's account is reached even when the policy names no targets any more.
  const anyMembers = perMemberAccess(base.config, (access) => new MemberCredentials(access, base.aws));
  const store = new StateStore(base.config.STATE_TABLE, base.aws);
  const history = stateTableHistory(store);
  return {
    ...base,
    job: (context: Pick<Context, 'invokedFunctionArn'>, policy: Policy): TargetListDeps => ({
      home: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
      members: membersFor(policy),
      aws: base.aws,
    }),
    dropped: (context: Pick<Context, 'invokedFunctionArn'>, policy: Policy): DroppedTargetDeps => ({
      home: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
      members: anyMembers(policy),
      aws: base.aws,
      store,
      history,
      securityHub: (options) => new SecurityHubImporter(options),
      logger: base.logger,
    }),
  };
}
