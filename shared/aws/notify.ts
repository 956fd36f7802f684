import { createHash } from 'node:crypto';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Severity } from '../domain/severity.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import { GuardrailsError } from '../runtime/errors.js';
import { redact, redactText } from '../runtime/redact.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';

/** EventBridge `source` of every event this app emits. */
export const EVENT_SOURCE = 'elasticache-guardrails';

/** One `detail-type` per kind of event, documented in the README. */
export const DETAIL_TYPES = {
  /** A resource newly violates a rule, whatever the check (`detail.finding.check` names it). */
  policyViolation: 'Guardrails Policy Violation',
  remediationStarted: 'Durability Remediation Started',
  remediationSucceeded: 'Durability Remediation Succeeded',
  remediationFailed: 'Durability Remediation Failed',
  remediationSkipped: 'Durability Remediation Skipped',
  encryptionDrift: 'StorageEncryptionType Drift Detected',
  encryptionViolation: 'StorageEncryption Violation',
  encryptionResolved: 'StorageEncryption Drift Resolved',
  encryptionRetired: 'StorageEncryption Baseline Retired',
  snapshot: 'Guardrails Snapshot',
  migrationStep: 'Migration Step',
  migrationApproval: 'Migration Approval Requested',
  migrationOutcome: 'Migration Outcome',
  upgradeStep: 'Durability Upgrade Step',
  upgradeApproval: 'Durability Upgrade Approval Requested',
  upgradeOutcome: 'Durability Upgrade Outcome',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

export interface OutgoingEvent {
  detailType: DetailType;
  detail: object;
  /** ARNs the event is about. */
  resources?: string[];
  /** Stable id, sent as `detail.eventId`: a consumer drops what it has seen (delivery is at least once). */
  id?: string;
}

/** An event that belongs to stored state: written with it, published from the outbox. */
export interface PendingEvent extends OutgoingEvent {
  id: string;
  /** When it was stored: the outbox publishes the oldest first. */
  createdAt: string;
}

/**
 * A stable event id: a hash of the detail type and what the event is about (resource, rule,
 * check, and the moment of the transition or the lease it belongs to), the same however often
 * the event is written or sent.
 *
 * @example
 * eventId(DETAIL_TYPES.policyViolation, arn, 'prod', 'durability', '2026-11-25T10:00:00.000Z');
 */
export function eventId(detailType: DetailType, ...about: string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([detailType, ...about]))
    .digest('hex')
    .slice(0, 32);
}

/** What one {@link EventPublisher.deliver} did: each event delivered, or not with the reason. */
export interface Delivery<Event extends OutgoingEvent> {
  delivered: Event[];
  failed: { event: Event; reason: string; error?: AwsCallError }[];
}
/** Some entries of a PutEvents call were refused; the failed ones are named. */
export class EventDeliveryError extends GuardrailsError {
  constructor(message: string) {
    super(message, { retryable: true });
    this.name = 'EventDeliveryError';
  }
}

const PUT_EVENTS_BATCH = 10;

/**
 * The event's detail with the account and region of the resource it is about, read from its
 * ARN (`arn:<partition>:<service>:<region>:<account>:…`), so a rule or a reader of the central
 * bus tells the targets apart. An event about no ARN keeps its detail as it is.
 */
export function placedDetail(event: OutgoingEvent): object {
  const detail = event.id === undefined ? event.detail : { ...event.detail, eventId: event.id };
  const [, , , region, account] = event.resources?.[0]?.split(':') ?? [];
  if (region === undefined || region === '' || account === undefined || account === '') return detail;
  return { ...detail, account, region };
}
const ENTRY_ATTEMPTS = 3;

/** Publishes the app's events to EventBridge (default bus unless named), with secrets redacted. */
export class EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #busName: string | undefined;

  constructor(busName: string | undefined, options: AwsClientOptions = {}) {
    this.#client = createClient(EventBridgeClient, options);
    this.#busName = busName;
  }

  /**
   * Send events in batches of 10; entries EventBridge refuses are retried, then reported; any
   * failure is thrown (after every batch was tried). For events that must not be lost, the
   * outbox uses {@link deliver} and keeps what failed.
   */
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    const { failed } = await this.deliver(events);
    const first = failed[0];
    if (first === undefined) return;
    if (first.error !== undefined) throw first.error;
    throw new EventDeliveryError(
      `EventBridge PutEvents refused ${failed.length} entries: ${failed.map((entry) => entry.reason).join(', ')}`,
    );
  }

  /** Send events in batches of 10 and say which went out; never throws for a failed PutEvents. */
  async deliver<Event extends OutgoingEvent>(events: readonly Event[]): Promise<Delivery<Event>> {
    const delivery: Delivery<Event> = { delivered: [], failed: [] };
    for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
      let pending = events.slice(start, start + PUT_EVENTS_BATCH);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const entries: PutEventsRequestEntry[] = pending.map((event) => ({
          Source: EVENT_SOURCE,
          DetailType: event.detailType,
          Detail: JSON.stringify(redact(placedDetail(event))),
          Resources: event.resources,
          EventBusName: this.#busName,
        }));
        let answer: PutEventsCommandOutput;
        try {
          answer = await awsCall('EventBridge PutEvents', () =>
            this.#client.send(new PutEventsCommand({ Entries: entries })),
          );
        } catch (error) {
          if (!(error instanceof AwsCallError)) throw error;
          for (const event of pending) delivery.failed.push({ event, reason: error.fault, error });
          break;
        }
        const codes = pending.map((_, index) => answer.Entries?.[index]?.ErrorCode);
        delivery.delivered.push(...pending.filter((_, index) => codes[index] === undefined));
        const failed = pending.filter((_, index) => codes[index] !== undefined);
        if (failed.length > 0 && attempt >= ENTRY_ATTEMPTS) {
          pending.forEach((event, index) => {
            const code = codes[index];
            if (code !== undefined) delivery.failed.push({ event, reason: code });
          });
          break;
        }
        pending = failed;
      }
    }
    return delivery;
  }
}

export interface Alert {
  /** The event this alert is about: sent once per id when the publisher has a ledger. */
  eventId?: string;
  subject: string;
  body: string;
  rule: string;
  /** A violation's is its finding's (`severityOf`): the same in ASFF, OCSF and the event. */
  severity: Severity;
  resourceType: string;
}

/** An event id claimed by this sender: it alone may send the alert until the claim expires. */
export interface HeldClaim {
  eventId: string;
  outcome: 'claimed';
  /** The ledger record's revision this claim wrote: marking and giving back hold only while it is there. */
  revision: number;
}

/** What a claim on an event id found: claimed, already sent, or claimed by another sender until `until`. */
export type LedgerClaim =
  | HeldClaim
  | { eventId: string; outcome: 'sent' }
  | { eventId: string; outcome: 'in-flight'; until: string };

/**
 * Where alerts' event ids are kept: a claim is a conditional write that one sender wins; it is
 * marked sent after Publish, or given back when Publish fails.
 */
export interface SentAlertLedger {
  claim(eventId: string): Promise<LedgerClaim>;
  markSent(claim: HeldClaim): Promise<void>;
  release(claim: HeldClaim): Promise<void>;
}

/**
 * Another sender holds the claim on these event ids and has not sent them yet: retried, the
 * alert is found sent, or the claim expired (its sender died) and this sender sends it.
 */
export class AlertInFlightError extends GuardrailsError {
  constructor(inFlight: readonly { eventId: string; until: string }[]) {
    super(
      `alert of event ${inFlight.map(({ eventId, until }) => `${eventId} (claimed until ${until})`).join(', ')} is being sent by another sender; retry after the claim`,
      { retryable: true },
    );
    this.name = 'AlertInFlightError';
  }
}

/**
 * Publishes human-readable alerts to the SNS topic, with attributes for subscription filters;
 * subject and message are redacted (a cause or an echoed endpoint may carry a secret).
 */
export class AlertPublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;
  readonly #ledger: SentAlertLedger | undefined;

  /** With a `ledger`, an alert with an `eventId` is sent once however often it is published. */
  constructor(topicArn: string, options: AwsClientOptions = {}, ledger?: SentAlertLedger) {
    this.#client = createClient(SNSClient, options);
    this.#topicArn = topicArn;
    this.#ledger = ledger;
  }

  /**
   * Publish one alert; SNS subjects are limited to 100 characters (cut after redaction, so no
   * secret is cut in two). An alert whose event id the ledger holds as sent is not sent again
   * (undefined): the id is claimed by a conditional write before SNS Publish, marked sent after,
   * and given back if Publish fails, so the next attempt sends it. An id another sender claimed
   * and has not sent yet is an {@link AlertInFlightError} (retryable).
   */
  async publish(alert: Alert): Promise<string | undefined> {
    const { eventId } = alert;
    if (eventId === undefined) return this.#send(alert);
    return this.publishOnce([eventId], () => alert);
  }

  /**
   * One message about several events (a summary), each event alerted once: with a ledger, the
   * ids it holds as sent are left out and `compose` is given those this call claimed (none:
   * nothing is sent); if Publish fails, every id this call claimed is given back. Ids another
   * sender holds are left out too, and reported by an {@link AlertInFlightError} after the
   * message went out, so the caller keeps them for a later attempt.
   *
   * @example
   * await alerts.publishOnce(ids, (fresh) => summaryAlert(all.filter((entry) => fresh.has(entry.id))));
   */
  async publishOnce(eventIds: readonly string[], compose: (fresh: ReadonlySet<string>) => Alert) {
    const ledger = this.#ledger;
    if (ledger === undefined) return this.#send(compose(new Set(eventIds)));
    const held: HeldClaim[] = [];
    const inFlight: { eventId: string; until: string }[] = [];
    let messageId: string | undefined;
    try {
      await mapConcurrent([...new Set(eventIds)], 16, async (eventId) => {
        const claim = await ledger.claim(eventId);
        if (claim.outcome === 'claimed') held.push(claim);
        if (claim.outcome === 'in-flight') inFlight.push(claim);
      });
      if (held.length > 0) messageId = await this.#send(compose(new Set(held.map((claim) => claim.eventId))));
    } catch (error) {
      await Promise.all(held.map((claim) => ledger.release(claim)));
      throw error;
    }
    // Sent: a failed mark leaves the claim to expire (the alert may then go out once more).
    await Promise.all(held.map((claim) => ledger.markSent(claim)));
    if (inFlight.length > 0) throw new AlertInFlightError(inFlight);
    return messageId;
  }

  async #send(alert: Alert): Promise<string | undefined> {
    const answer = await awsCall('SNS Publish', () =>
      this.#client.send(
        new PublishCommand({
          TopicArn: this.#topicArn,
          Subject: redactText(alert.subject).slice(0, 100),
          Message: redactText(alert.body),
          MessageAttributes: {
            rule: { DataType: 'String', StringValue: redactText(alert.rule) },
            severity: { DataType: 'String', StringValue: alert.severity },
            resourceType: { DataType: 'String', StringValue: alert.resourceType },
          },
        }),
      ),
    );
    return answer.MessageId;
  }
}
