/**
 * The organisation scan function's dependencies: Organizations (the accounts), STS (a member's
 * credentials, to read its enabled regions and to archive a dropped target's findings), the
 * state table (the run's lease, the last target list, the Security Hub import records), Security
 * Hub and the scan bucket (the Map's targets and results).
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ScanObjects } from '../aws/scan-objects.js';
import { SecurityHubImporter } from '../aws/security-hub.js';
import { StateStore } from '../aws/state-store.js';
import { MemberCredentials } from '../aws/targets.js';
import type { Policy } from '../domain/policy/schema.js';
import { TARGET_CONCURRENCY } from '../domain/targets.js';
import { type DroppedTargetDeps, stateTableHistory } from './dropped-targets.js';
import { MEMBER_ENV, perMemberAccess } from './member-env.js';
import { homeTarget, type TargetListDeps } from './org-scan.js';
import type { RunLockDeps } from './org-scan-run.js';
import { createPolicyFunctionBase } from './policy-source.js';

/**
 * The deployment's `scanConcurrency`: target-scan's reserved concurrency, so the most items the
 * Map may run at once (infra/functions.cjs sets both from the one parameter).
 */
const SCAN_ENV = {
  SCAN_CONCURRENCY: z.coerce.number().int().min(TARGET_CONCURRENCY.min).max(TARGET_CONCURRENCY.max),
} as const;

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
  const base = createPolicyFunctionBase(
    'org-scan',
    {
      AWS_REGION: z.string().min(1),
      /** The deployment's scan bucket (ScanBucket): the Map's targets and results. */
      SCAN_BUCKET: z.string().min(3),
      ...MEMBER_ENV,
      ...SCAN_ENV,
    },
    env,
  );
  const store = new StateStore(base.config.STATE_TABLE, base.aws);
  const lock: RunLockDeps = { store, now: () => new Date() };
  // A dropped target's account is reached even when the policy names no targets any more.
  const anyMembers = perMemberAccess(
    base.config,
    base.aws,
    (access) => new MemberCredentials(access, base.aws),
  );
  const history = stateTableHistory(store);
  return {
    ...base,
    lock,
    /** Whether the previous version's shared partitions hold anything left (asked once per run). */
    legacyLayoutLeft: () => store.legacyLayoutLeft(lock.now()),
    objects: new ScanObjects(base.config.SCAN_BUCKET, { ...base.aws, region: base.config.AWS_REGION }),
    job: (context: Pick<Context, 'invokedFunctionArn'>, policy: Policy): TargetListDeps => ({
      home: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
      members: policy.settings.targets === undefined ? undefined : anyMembers(policy),
      aws: base.aws,
      maxConcurrency: base.config.SCAN_CONCURRENCY,
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
