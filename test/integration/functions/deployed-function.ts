/**
 * A function's handler run as deployed against the sandbox: its environment, its invocation
 * context, and the sandbox organisation of two OUs that the tests of policies naming OUs share.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { OrganizationalUnitSettings } from '../../../infra/local/emulator/organizations.js';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/server.js';
import type { Target } from '../../../shared/domain/targets.js';
import { REGION, type Stack, startStack } from '../harness.js';

/** A function's handler, as its module exports it. */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A member account in EAST, the OU the policies name. */
export const INSIDE = '100000000001';
/** A member account in WEST, an OU the policies do not name. */
export const OUTSIDE = '100000000002';
/** The OU the policies name. */
export const EAST = 'ou-sbx1-east0001';
/** An OU the policies do not name. */
export const WEST = 'ou-sbx1-west0001';

/** Starts the sandbox organisation of INSIDE in EAST and OUTSIDE in WEST (and `units`), its clock following the real one. */
export async function startOuStack(units: OrganizationalUnitSettings[] = []): Promise<Stack> {
  const stack = await startStack({
    targets: {
      accounts: [INSIDE, OUTSIDE, ...units.flatMap((unit) => unit.accounts ?? [])],
      regions: [REGION],
    },
    organization: {
      units: [
        { id: EAST, name: 'east', accounts: [INSIDE] },
        { id: WEST, name: 'west', accounts: [OUTSIDE] },
        ...units,
      ],
    },
  });
  stack.emulator.clock.freeze(Date.now());
  return stack;
}

/** Writes `policy` to a new file and gives the process a deployed function's environment against `stack`, `settings` on top. */
export function setFunctionEnv(stack: Stack, policy: string, settings: Record<string, string>): void {
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-function-'));
  writeFileSync(join(dir, 'policy.yaml'), policy);
  Object.assign(process.env, stack.env, {
    POLICY_FILE: join(dir, 'policy.yaml'),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...settings,
  });
}

/** The settings durability-react is deployed with: enforcing, its re-check queue in the central account, 3 re-checks. */
export function reactSettings(stack: Stack) {
  return {
    DRY_RUN: 'false',
    RECHECK_QUEUE_URL: `${stack.emulator.endpoint}/${CENTRAL_ACCOUNT}/durability-recheck`,
    MAX_RECHECKS: '3',
  };
}

/** Calls `handler` with `event` as Lambda invokes the deployed function `name`, under request id `requestId`. */
export function invokeAs(
  handler: Handler,
  name: string,
  requestId: string,
  event: unknown,
): Promise<Record<string, unknown>> {
  const invokedFunctionArn = `arn:aws:lambda:${REGION}:${CENTRAL_ACCOUNT}:function:elasticache-guardrails-test-${name}`;
  return handler(event, { awsRequestId: requestId, invokedFunctionArn } as Context) as Promise<
    Record<string, unknown>
  >;
}

/** A CloudTrail call, event `id`, as a member's forwarding rule puts it on the central bus: its own account and region. */
export function forwardedCall(
  id: string,
  { account, region }: Target,
  eventName: string,
  replicationGroupId: string,
) {
  return {
    version: '0',
    id,
    source: 'aws.elasticache',
    'detail-type': 'AWS API Call via CloudTrail',
    account,
    region,
    detail: {
      eventSource: 'elasticache.amazonaws.com',
      eventName,
      requestParameters: { replicationGroupId },
    },
  };
}
