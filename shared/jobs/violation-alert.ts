/**
 * The violation alert: a `Guardrails Policy Violation` event this deployment emitted, of a check
 * without an alert of its own, becomes one line on the alert topic, once per `detail.eventId`
 * (the alert ledger), however often EventBridge or the outbox delivers the event.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { sentAlertLedger } from '../aws/alert-ledger.js';
import { type Alert, AlertPublisher, DETAIL_TYPES, EVENT_SOURCE } from '../aws/notify.js';
import { StateStore } from '../aws/state-store.js';
import { type CheckKey, checksAlertedByEvent, severityOf } from '../domain/checks/registry.js';
import { SEVERITIES } from '../domain/severity.js';
import { accountIdSchema } from '../domain/targets.js';
import { InputValidationError } from '../runtime/errors.js';
import { createFunctionBase } from './function-base.js';
import { homeTarget } from './org-scan.js';

const text = z.string().min(1);
const alertedChecks = checksAlertedByEvent() as [CheckKey, ...CheckKey[]];

/** The event as EventBridge delivers it; only what the alert needs is read. */
export const violationEventSchema = z.looseObject({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.literal(DETAIL_TYPES.policyViolation),
  account: accountIdSchema,
  detail: z.looseObject({
    eventId: text,
    severity: z.enum(SEVERITIES).optional(),
    finding: z.looseObject({
      check: z.enum(alertedChecks),
      resourceType: text,
      resourceId: text,
      rule: text,
      reason: z.string(),
      severity: z.enum(SEVERITIES).optional(),
    }),
  }),
});
export type ViolationEvent = z.infer<typeof violationEventSchema>;

/**
 * The alert of one violation: the line the topic has always carried
 * (`[<severity>] <check> violation on <resource> (rule <rule>): <reason>`), with the event's id.
 */
export function violationAlert(event: ViolationEvent): Alert {
  const { eventId, finding } = event.detail;
  const severity = event.detail.severity ?? severityOf(finding);
  return {
    eventId,
    subject: `[guardrails] [${severity}] ${finding.check} violation: ${finding.resourceId}`,
    body: `[${severity}] ${finding.check} violation on ${finding.resourceId} (rule ${finding.rule}): ${finding.reason}`,
    rule: finding.rule,
    severity,
    resourceType: finding.resourceType,
  };
}

export interface ViolationAlertDeps {
  alerts: Pick<AlertPublisher, 'publish'>;
  /** The deployment's own account: only its events are alerted (the rule's pattern says so too). */
  account: string;
}

/**
 * Send the alert of `event` unless its id was alerted already. An event of another account is
 * refused naming the field: any principal on the organisation's bus may put one with our source.
 *
 * @example
 * await sendViolationAlert({ alerts, account: '123456789012' }, event); // { sent: true }
 */
export async function sendViolationAlert(deps: ViolationAlertDeps, event: ViolationEvent) {
  if (event.account !== deps.account)
    throw new InputValidationError(
      `invalid event: account: ${event.account} is not this deployment's account (${deps.account}); only its own violations are alerted`,
    );
  const messageId = await deps.alerts.publish(violationAlert(event));
  return { eventId: event.detail.eventId, sent: messageId !== undefined };
}

/**
 * Build once per container: the alert topic's publisher with the ledger in the state table.
 *
 * @example
 * const alerting = createViolationAlertDeps();
 * await sendViolationAlert(alerting.job(context), event);
 */
export function createViolationAlertDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createFunctionBase(
    'violation-alert',
    { ALERT_TOPIC_ARN: z.string().min(1), AWS_REGION: z.string().min(1) },
    env,
  );
  const store = new StateStore(base.config.STATE_TABLE, base.aws);
  const alerts = new AlertPublisher(base.config.ALERT_TOPIC_ARN, base.aws, sentAlertLedger(store));
  return {
    ...base,
    job: (context: Pick<Context, 'invokedFunctionArn'>): ViolationAlertDeps => ({
      alerts,
      account: homeTarget(context.invokedFunctionArn, base.config.AWS_REGION).account,
    }),
  };
}
