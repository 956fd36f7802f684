import * as z from 'zod';
import { InputValidationError } from '../runtime/errors.js';
import type { ResourceType } from './resource.js';
import { kindOfEvent, RESOURCE_KINDS } from './resource-kinds.js';
import { accountIdSchema, regionSchema, type Target } from './targets.js';

/**
 * The EventBridge pattern of the CloudTrail calls a function reacts to, as written in
 * `shared/aws/event-patterns.ts` (the adapter supplies them): `errorCode` absent, so a failed call
 * never triggers. ElastiCache publishes its service events (`Cache Updated`, …) to EventBridge
 * for serverless caches only, none for replication groups: CloudTrail is the only source.
 */
export interface EventPattern {
  source: string[];
  'detail-type': string[];
  detail: { eventSource: string[]; eventName: string[]; errorCode: { exists: boolean }[] };
}

/** The patterns a function reacts to: CloudTrail calls. */
export interface AcceptedEvents {
  cloudTrail: EventPattern;
}

/** What an incoming event is about: one resource, and how many re-checks came before. */
export interface ResourceEvent {
  trigger: 'cloudtrail' | 'recheck';
  /** The API call that triggered it. */
  name: string;
  resourceType: ResourceType;
  resourceId: string;
  attempt: number;
  /**
   * The account and region the resource lives in, as the event names them (a member account's
   * event forwarded onto the central bus keeps its own). Absent: the function's own account
   * and region (a re-check queued before targets existed, or an event without an envelope).
   */
  target?: Target;
}

const requiredText = z
  .string({
    error: (issue) => (issue.input === undefined ? 'is required (a non-empty string)' : 'expected a string'),
  })
  .min(1, { error: 'is required (a non-empty string)' });

const requiredObject = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.looseObject(shape, {
    error: (issue) => (issue.input === undefined ? 'is required (an object)' : 'expected an object'),
  });

/** A non-empty string among `allowed`; a refusal quotes the value and lists the allowed ones. */
const oneOf = (allowed: readonly string[]) =>
  requiredText.refine((value) => allowed.includes(value), {
    error: (issue) => `"${String(issue.input)}" is not one of ${allowed.join(', ')}`,
  });

/** Where an event or re-check says the resource is: `account` and `region`, both or neither. */
const TARGET_FIELDS = { account: accountIdSchema.optional(), region: regionSchema.optional() };

/** The target of `fields`, or an issue naming the one of the pair that is missing. */
function targetOf(
  fields: { account?: string | undefined; region?: string | undefined },
  context: z.RefinementCtx,
  prefix: string[] = [],
): Target | undefined {
  const { account, region } = fields;
  if (account !== undefined && region !== undefined) return { account, region };
  if (account === undefined && region === undefined) return undefined;
  const missing = account === undefined ? 'account' : 'region';
  context.addIssue({
    code: 'custom',
    path: [...prefix, missing],
    message: `is required with ${missing === 'account' ? 'region' : 'account'} (both or neither)`,
  });
  return undefined;
}

/** `event` with its target, when it names one. */
const located = (event: Omit<ResourceEvent, 'target'>, target: Target | undefined): ResourceEvent =>
  target === undefined ? event : { ...event, target };

/** A CloudTrail API call: the resource is named in its request parameters. */
function cloudTrailEvent(pattern: EventPattern) {
  return z
    .looseObject({
      ...TARGET_FIELDS,
      source: oneOf(pattern.source),
      'detail-type': z.literal(pattern['detail-type'][0] ?? 'AWS API Call via CloudTrail'),
      detail: requiredObject({
        eventName: oneOf(pattern.detail.eventName),
        errorCode: z.unknown().optional(),
        requestParameters: requiredObject({}),
      }),
    })
    .transform((event, context): ResourceEvent => {
      const { eventName: name, errorCode, requestParameters } = event.detail;
      if (errorCode !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['detail', 'errorCode'],
          message: `the ${name} call failed (${String(errorCode)}); nothing changed`,
        });
        return z.NEVER;
      }
      const resourceType = kindOfEvent(name);
      if (resourceType === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['detail', 'eventName'],
          message: `"${name}" concerns no resource kind this app knows`,
        });
        return z.NEVER;
      }
      const field = RESOURCE_KINDS[resourceType].requestParameter;
      const id = requiredText.safeParse(requestParameters[field]);
      if (!id.success) {
        context.addIssue({
          code: 'custom',
          path: ['detail', 'requestParameters', field],
          message: 'is required (a non-empty string)',
        });
        return z.NEVER;
      }
      const found = { trigger: 'cloudtrail', name, resourceType, resourceId: id.data, attempt: 0 } as const;
      return located(found, targetOf(event, context));
    });
}

/** A re-check this app queued itself (an SQS message body); one without account and region is the own account's. */
const recheckEvent = z
  .object({
    replicationGroupId: requiredText,
    attempt: z.number().int().min(0),
    ...TARGET_FIELDS,
  })
  .transform(
    (body, context): ResourceEvent =>
      located(
        {
          trigger: 'recheck',
          name: 'Recheck',
          resourceType: 'replication-group',
          resourceId: body.replicationGroupId,
          attempt: body.attempt,
        },
        targetOf(body, context),
      ),
  );

/** The schema of the EventBridge events a function accepts: CloudTrail calls, keyed on `detail-type`. */
export function resourceEventSchema(accepted: AcceptedEvents) {
  const detailTypes = accepted.cloudTrail['detail-type'];
  const options = { error: (issue: { input?: unknown }) => detailTypeProblem(issue.input, detailTypes) };
  return z.discriminatedUnion('detail-type', [cloudTrailEvent(accepted.cloudTrail)], options);
}

function detailTypeProblem(input: unknown, allowed: readonly string[]): string {
  if (typeof input !== 'object' || input === null) return 'expected an object';
  const detailType = (input as Record<string, unknown>)['detail-type'];
  return typeof detailType === 'string' && detailType !== ''
    ? `"${detailType}" is not one of ${allowed.join(', ')}`
    : 'is required (a non-empty string)';
}

/** `value` parsed, or an InputValidationError naming each bad field (`invalid event: detail.eventName: …`). */
function parseOrFail<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  prefix: string[] = [],
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    return `${path.length > 0 ? path.join('.') : '(root)'}: ${issue.message}`;
  });
  throw new InputValidationError(`invalid event: ${problems.join('; ')}`);
}

/**
 * Read the body of one SQS re-check message (a `Recheck` the function queued itself) into
 * the group it concerns. A body that is not JSON or misses a field is an
 * InputValidationError naming the field, so the batch reports that record as failed.
 *
 * @example
 * const { resourceId, attempt } = parseRecheckMessage('{"replicationGroupId":"orders","attempt":1}');
 */
export function parseRecheckMessage(body: string): ResourceEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InputValidationError('invalid event: body: is not JSON');
  }
  return parseOrFail(recheckEvent, parsed, ['body']);
}

/**
 * Read an EventBridge event (a CloudTrail API call) into the one resource it concerns. Anything else is an InputValidationError naming the field, so the
 * handler drops it with that reason.
 *
 * @example
 * const { resourceId } = parseResourceEvent(event, EVENT_PATTERNS.durabilityReact);
 */
export function parseResourceEvent(event: unknown, accepted: AcceptedEvents): ResourceEvent {
  return parseOrFail(resourceEventSchema(accepted), event);
}
