/**
 * The organisation scan function's dependencies: Organizations (the accounts), STS (a member's
 * credentials, to read its enabled regions), the scan bucket (the Map's targets and results),
 * and nothing else.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ScanObjects } from '../aws/scan-objects.js';
import type { Policy } from '../domain/policy/schema.js';
import { MEMBER_ENV } from './member-env.js';
import { homeTarget, memberCredentialsFor, type TargetListDeps } from './org-scan.js';
import { createPolicyFunctionBase } from './policy-source.js';

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
    {
      AWS_REGION: z.string().min(1),
      /** The deployment's scan bucket (ScanBucket): the Map's targets and results. */
      SCAN_BUCKET: z.string().min(3),
      ...MEMBER_ENV,
    },
    env,
  );
  const membersFor = memberCredentialsFor(base.config, base.aws);
  return {
    ...base,
    objects: new ScanObjects(base.config.SCAN_BUCKET, { ...base.aws, region: base.config.AWS_REGION }),
    job: (context: Pick<Context, 'invokedFunctionArn'>, policy: Policy): TargetListDeps => ({
      home: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION),
      members: membersFor(policy),
      aws: base.aws,
    }),
  };
}
