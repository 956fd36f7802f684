import * as z from 'zod';
import patterns from '../../infra/event-patterns.json' with { type: 'json' };
import { InputValidationError } from '../runtime/errors.js';
import type { ResourceType } from './resource.js';

/** The EventBridge patterns of each reacting function: `infra/event-patterns.json`, also used by the deployment. */
export const EVENT_PATTERNS = patterns;

export interface EventPattern {
  source: string[];
  'detail-type': string[];
  detail: Record<string, string[]>;
}

/** What an incoming event is about: one resource, and how many re-checks came before. */
export interface ResourceEvent {
  trigger: 'cloudtrail' | 'service' | 'recheck';
  /** The API call or service event that triggered it. */
  name: string;
  resourceType: ResourceType;
  resourceId: string;
  attempt: number;
}

const RECHECK_BODY = z.object({
  replicationGroupId: z.string().min(1),
  attempt: z.number().int().min(0),
});

function fail(field: string, message: string): never {
  throw new InputValidationError(`invalid event: ${field}: ${message}`);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') fail(field, 'is required (a non-empty string)');
  return value;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(field, 'is required (an object)');
  return value as Record<string, unknown>;
}

function oneOf(value: string, allowed: readonly string[], field: string): string {
  if (!allowed.includes(value)) fail(field, `"${value}" is not one of ${allowed.join(', ')}`);
  return value;
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
    fail('body', 'is not JSON');
  }
  const recheck = RECHECK_BODY.safeParse(parsed);
  if (!recheck.success) {
    const issue = recheck.error.issues[0];
    fail(`body.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  return {
    trigger: 'recheck',
    name: 'Recheck',
    resourceType: 'replication-group',
    resourceId: recheck.data.replicationGroupId,
    attempt: recheck.data.attempt,
  };
}

/**
 * Read an EventBridge event (CloudTrail API call or ElastiCache service event) into the one
 * resource it concerns. Anything else is an InputValidationError naming the field, so the
 * handler drops it with that reason.
 *
 * @example
 * const { resourceId } = parseResourceEvent(event, EVENT_PATTERNS.durabilityReact);
 */
export function parseResourceEvent(
  event: unknown,
  accepted: { cloudTrail: EventPattern; service?: EventPattern },
): ResourceEvent {
  const body = record(event, '(root)');
  oneOf(text(body.source, 'source'), accepted.cloudTrail.source, 'source');
  const detailType = text(body['detail-type'], 'detail-type');
  const detail = record(body.detail, 'detail');
  if (detailType === accepted.cloudTrail['detail-type'][0]) {
    const name = oneOf(
      text(detail.eventName, 'detail.eventName'),
      accepted.cloudTrail.detail.eventName ?? [],
      'detail.eventName',
    );
    if (detail.errorCode !== undefined) {
      fail('detail.errorCode', `the ${name} call failed (${String(detail.errorCode)}); nothing changed`);
    }
    const parameters = record(detail.requestParameters, 'detail.requestParameters');
    const serverless = name.endsWith('ServerlessCache');
    const field = serverless ? 'serverlessCacheName' : 'replicationGroupId';
    return {
      trigger: 'cloudtrail',
      name,
      resourceType: serverless ? 'serverless-cache' : 'replication-group',
      resourceId: text(parameters[field], `detail.requestParameters.${field}`),
      attempt: 0,
    };
  }
  const service = accepted.service;
  if (service === undefined)
    fail('detail-type', `"${detailType}" is not one of ${accepted.cloudTrail['detail-type'].join(', ')}`);
  oneOf(detailType, [...accepted.cloudTrail['detail-type'], ...service['detail-type']], 'detail-type');
  const sourceType = text(detail.SourceType, 'detail.SourceType');
  oneOf(sourceType, ['replication-group'], 'detail.SourceType');
  return {
    trigger: 'service',
    name: detailType,
    resourceType: 'replication-group',
    resourceId: text(detail.SourceIdentifier, 'detail.SourceIdentifier'),
    attempt: 0,
  };
}
