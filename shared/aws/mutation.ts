/**
 * Calls that change something are never retried blindly. The SDK retries a failed attempt
 * whatever the call; for a mutating ElastiCache call, an answer lost after the request was
 * sent (a timeout, a reset connection, a 5xx) may hide a change that was applied, and its
 * retry would then be refused ("InvalidReplicationGroupState") or made twice. So such an
 * attempt ends the call with {@link OutcomeUnknownError}, and {@link mutate} reads the
 * resource back to decide whether the change landed before it sends the call again.
 * Refusals (4xx) and throttling (never applied) keep the SDK's own retries.
 */
import type { BuildMiddleware, FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';
import { isThrottlingError } from '../runtime/retryable.js';
import { AwsCallError } from './errors.js';

/** The ElastiCache calls this app makes that change something. */
export const MUTATING_CALLS: ReadonlySet<string> = new Set([
  'ModifyReplicationGroup',
  'IncreaseReplicaCount',
  'ModifyReplicationGroupShardConfiguration',
  'CreateSnapshot',
  'DeleteSnapshot',
  'StartMigration',
  'CompleteMigration',
  'CreateCacheParameterGroup',
  'ModifyCacheParameterGroup',
]);

/**
 * The read each write may need to settle a lost answer or a lost race, as IAM actions: a
 * role allowed the write needs the read too (checked by the deploy tests). DynamoDB's
 * conditional writes read the item back to tell a retried write of ours from someone else's,
 * or (the workflow lock) to say who holds it now.
 */
export const READ_BACK: Readonly<Record<string, string>> = {
  'elasticache:ModifyReplicationGroup': 'elasticache:DescribeReplicationGroups',
  'elasticache:IncreaseReplicaCount': 'elasticache:DescribeReplicationGroups',
  'elasticache:ModifyReplicationGroupShardConfiguration': 'elasticache:DescribeReplicationGroups',
  'elasticache:StartMigration': 'elasticache:DescribeReplicationGroups',
  'elasticache:CompleteMigration': 'elasticache:DescribeReplicationGroups',
  'elasticache:CreateSnapshot': 'elasticache:DescribeSnapshots',
  'elasticache:DeleteSnapshot': 'elasticache:DescribeSnapshots',
  'elasticache:CreateCacheParameterGroup': 'elasticache:DescribeCacheParameterGroups',
  'elasticache:ModifyCacheParameterGroup': 'elasticache:DescribeCacheParameters',
  'dynamodb:PutItem': 'dynamodb:GetItem',
  // A refused conditional update of the lock (fencing) is explained by reading the lock.
  'dynamodb:UpdateItem': 'dynamodb:GetItem',
};

/** A mutating call whose answer was lost: it may or may not have been applied. */
export class OutcomeUnknownError extends Error {
  /** What the SDK reported (not `cause`: the SDK would classify it as transient and retry). */
  readonly original: unknown;

  constructor(call: string, original: unknown) {
    const detail = original instanceof Error ? `${original.name}: ${original.message}` : String(original);
    super(`the answer to ${call} was lost (${detail}); it may have been applied`);
    this.name = 'OutcomeUnknownError';
    this.original = original;
  }
}

/** Node codes of a request that never reached the service: retrying it cannot repeat a change. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether a failed attempt may have been applied: no answer, or a server error. */
export function mayHaveApplied(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  if (isThrottlingError(error)) return false;
  const sdk = error as SdkErrorShape;
  const status = sdk.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500;
  return !(typeof sdk.code === 'string' && NOT_SENT_CODES.has(sdk.code));
}

/** Whether the service answered the attempt (an HTTP status), however it failed. */
function answered(error: unknown): boolean {
  return typeof (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode === 'number';
}

interface CommandContext {
  commandName?: string;
}

/**
 * Install, inside the SDK's retry loop, the rule above for the {@link MUTATING_CALLS}: an
 * attempt that may have been applied ends the call instead of being retried.
 */
export function guardMutations(stack: MiddlewareStack<object, object>): void {
  const guard: FinalizeRequestMiddleware<object, object> =
    (next, context: CommandContext) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const call = context.commandName?.replace(/Command$/, '') ?? '';
        if (MUTATING_CALLS.has(call) && mayHaveApplied(error)) throw new OutcomeUnknownError(call, error);
        throw error;
      }
    };
  stack.addRelativeTo(guard, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'guardrailsMutationGuard',
    override: true,
  });
}

interface HttpRequestShape {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
}

/**
 * Name the endpoint in errors that carry no answer (timeouts, refused or reset connections):
 * "TimeoutError: … (endpoint http://127.0.0.1:4566)" tells the operator what hung.
 */
export function nameEndpointOnNetworkErrors(stack: MiddlewareStack<object, object>): void {
  const naming: BuildMiddleware<object, object> = (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      const request = (args as { request?: HttpRequestShape }).request;
      const answered = (error as SdkErrorShape).$metadata?.httpStatusCode !== undefined;
      if (error instanceof Error && !answered && request?.hostname !== undefined) {
        const port = request.port === undefined ? '' : `:${request.port}`;
        const endpoint = `${request.protocol ?? 'https:'}//${request.hostname}${port}`;
        if (!error.message.includes(endpoint)) error.message = `${error.message} (endpoint ${endpoint})`;
      }
      throw error;
    }
  };
  stack.add(naming, { step: 'build', name: 'guardrailsNameEndpoint', override: true });
}

/**
 * Carry out one mutating call exactly once, as far as anyone can tell: when its answer is
 * lost, read the resource back; if the change is there it counts as done, otherwise the call
 * is sent again (at most `attempts` sends in all) when the service answered it (a 5xx). A call
 * that got no answer (a timeout) is not sent again: it may still be in flight, and a read-back
 * cannot yet tell. A refusal is returned to the caller as is, except when `landedOnRefusal` lists it and the read-back shows the change is there (a
 * duplicate of a change already made).
 *
 * @example
 * await mutate('ModifyReplicationGroup', () => client.send(command), async () => (await read()).durability === 'sync');
 */
export async function mutate(
  call: string,
  send: () => Promise<unknown>,
  landed: () => Promise<boolean>,
  options: { attempts?: number; landedOnRefusal?: readonly string[] } = {},
): Promise<'answered' | 'confirmed'> {
  const attempts = options.attempts ?? 2;
  let lost: OutcomeUnknownError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      await send();
      return 'answered';
    } catch (error) {
      const refusal = error instanceof Error && options.landedOnRefusal?.includes(error.name) === true;
      if (!(error instanceof OutcomeUnknownError) && !refusal) throw new AwsCallError(call, error);
      if (await landed()) return 'confirmed';
      if (refusal) throw new AwsCallError(call, error);
      lost = error as OutcomeUnknownError;
      // No answer at all (a timeout, a dropped connection): the request may still be on its way,
      // and a read-back now cannot tell that it will not land. A later read decides.
      if (!answered(lost.original)) break;
    }
  }
  throw new AwsCallError(call, lost);
}
