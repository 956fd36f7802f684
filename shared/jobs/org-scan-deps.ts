/**
 * The organisation scan function's dependencies: Organizations (the accounts), STS (a member's
 * credentials, to read its enabled regions), the state table (the run's lease), and nothing else.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { StateStore } from '../aws/state-store.js';
import type { Policy } from '../domain/policy/schema.js';
import { TARGET_CONCURRENCY } from '../domain/targets.js';
import { MEMBER_ENV } from './member-env.js';
import { homeTarget, memberCredentialsFor, type TargetListDeps } from './org-scan.js';
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
 * await listTargets(scan.job(context, policy), policy);
 */
export function createOrgScanDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createPolicyFunctionBase(
    'org-scan',
    { AWS_REGION: z.string().min(1), ...MEMBER_ENV, ...SCAN_ENV },
    env,
  );
  const membersFor = memberCredentialsFor(base.config, base.aws);
  const lock: RunLockDeps = {
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    now: () => new Date(),
  };
  return {
    ...base,
    lock,
    job: (context: Pick<Context, 'invokedFunctionArn'>, policy: Policy): TargetListDeps => ({
      home: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
      members: membersFor(policy),
      aws: base.aws,
      maxConcurrency: base.config.SCAN_CONCURRENCY,
    }),
  };
}
