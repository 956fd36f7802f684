import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GuardrailsError } from '../runtime/errors.js';
import { redact, redactText } from '../runtime/redact.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

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
  const [, , , region, account] = event.resources?.[0]?.split(':') ?? [];
  if (region === undefined || region === '' || account === undefined || account === '') return event.detail;
  return { ...event.detail, account, region };
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

  /** Send events in batches of 10; entries EventBridge refuses are retried, then reported. */
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
      let pending: PutEventsRequestEntry[] = events.slice(start, start + PUT_EVENTS_BATCH).map((event) => ({
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(redact(placedDetail(event))),
        Resources: event.resources,
        EventBusName: this.#busName,
      }));
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const answer = await awsCall('EventBridge PutEvents', () =>
          this.#client.send(new PutEventsCommand({ Entries: pending })),
        );
        const failed = pending.filter((_, index) => answer.Entries?.[index]?.ErrorCode !== undefined);
        if (failed.length > 0 && attempt >= ENTRY_ATTEMPTS) {
          const codes = (answer.Entries ?? [])
            .map((entry) => entry.ErrorCode)
            .filter((code) => code !== undefined);
          throw new EventDeliveryError(
            `EventBridge PutEvents refused ${failed.length} entries: ${codes.join(', ')}`,
          );
        }
        pending = failed;
      }
    }
  }
}

export interface Alert {
  subject: string;
  body: string;
  rule: string;
  severity: 'info' | 'low' | 'medium' | 'high';
  resourceType: string;
}

/**
 * Publishes human-readable alerts to the SNS topic, with attributes for subscription filters;
 * subject and message are redacted (a cause or an echoed endpoint may carry a secret).
 */
export class AlertPublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(topicArn: string, options: AwsClientOptions = {}) {
    this.#client = createClient(SNSClient, options);
    this.#topicArn = topicArn;
  }

  /** Publish one alert; SNS subjects are limited to 100 characters (cut after redaction, so no secret is cut in two). */
  async publish(alert: Alert): Promise<string | undefined> {
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
