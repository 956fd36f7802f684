/**
 * Capture sinks for what the app sends out, answering the real SDK clients: SNS `Publish`
 * (AWS Query), EventBridge `PutEvents` (JSON 1.1), and CloudWatch `GetMetricData` (JSON 1.0)
 * serving per-node series that tests and the control endpoint shape (metric-series.ts). Captured messages
 * are kept in memory and, when a directory is given, appended to `sns.jsonl`/`events.jsonl`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MetricSeries, type NodeMetric, type NodeRef } from './metric-series.js';
import { type Params, QueryFault } from './protocol.js';

export const SNS_VERSION = '2010-03-31';
export const JSON_TARGETS = {
  putEvents: 'AWSEvents.PutEvents',
  getMetricData: 'GraniteServiceVersion20100801.GetMetricData',
  sendMessage: 'AmazonSQS.SendMessage',
  startExecution: 'AWSStepFunctions.StartExecution',
} as const;

/** How a recorded execution stands: running until it is closed (`/_control/executions`). */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** A Step Functions execution started through the sandbox (it is recorded, not run). */
export interface StartedExecution {
  stateMachineArn: string;
  name: string;
  input: string;
  executionArn: string;
  status: ExecutionStatus;
}

/** A message sent to an SQS queue, visible from `visibleAt` (epoch ms of the emulator clock). */
export interface QueuedMessage {
  queueUrl: string;
  body: string;
  delaySeconds: number;
  visibleAt: number;
  messageId: string;
}

export interface CapturedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  attributes: Record<string, string>;
  messageId: string;
  time: string;
}

export interface CapturedEvent {
  source: string;
  detailType: string;
  detail: unknown;
  resources: string[];
  eventBusName?: string;
  eventId: string;
  time: string;
}

export class CaptureSinks {
  readonly messages: CapturedMessage[] = [];
  readonly events: CapturedEvent[] = [];
  /** SQS messages not yet taken by `takeDueMessages`. */
  readonly queued: QueuedMessage[] = [];
  /** Per-node CloudWatch series served by GetMetricData. */
  readonly metrics = new MetricSeries();
  /** Step Functions executions by ARN. */
  readonly executions = new Map<string, StartedExecution>();
  readonly #dir: string | undefined;

  constructor(dir?: string) {
    this.#dir = dir;
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
  }

  #append(file: string, record: unknown): void {
    if (this.#dir !== undefined) appendFileSync(join(this.#dir, file), `${JSON.stringify(record)}\n`);
  }

  /**
   * A node publishes `value` every minute from `from` (epoch ms; by default all along): ElastiCache
   * publishes per node (`CacheClusterId`, `CacheNodeId`) only.
   */
  setMetric(node: NodeRef, metric: NodeMetric, value: number, from = -Infinity): void {
    this.metrics.put(node, metric, value, from);
  }

  /** SNS Publish. */
  publish(params: Params, now: number): { MessageId: string } {
    const topicArn = params.TopicArn;
    const message = params.Message;
    if (typeof topicArn !== 'string' || topicArn === '')
      throw new QueryFault('InvalidParameter', 'TopicArn is required');
    if (typeof message !== 'string' || message === '')
      throw new QueryFault('InvalidParameter', 'Empty message');
    const subject = typeof params.Subject === 'string' ? params.Subject : undefined;
    if (subject !== undefined && subject.length > 100)
      throw new QueryFault('InvalidParameter', 'Subject must be at most 100 characters');
    const attributes: Record<string, string> = {};
    const entries = params.MessageAttributes;
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (typeof entry !== 'object' || Array.isArray(entry)) continue;
      const value = entry.Value;
      if (
        typeof entry.Name === 'string' &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        typeof value.StringValue === 'string'
      ) {
        attributes[entry.Name] = value.StringValue;
      }
    }
    const record: CapturedMessage = {
      topicArn,
      subject,
      message,
      attributes,
      messageId: randomUUID(),
      time: new Date(now).toISOString(),
    };
    this.messages.push(record);
    this.#append('sns.jsonl', record);
    return { MessageId: record.messageId };
  }

  /** EventBridge PutEvents: every entry is accepted (10 at most per call, as AWS). */
  putEvents(input: Record<string, unknown>, now: number) {
    const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
    if (entries.length === 0 || entries.length > 10) {
      throw new QueryFault('ValidationException', 'Entries must hold between 1 and 10 events');
    }
    const results = entries.map((entry) => {
      if (
        typeof entry.Source !== 'string' ||
        typeof entry.DetailType !== 'string' ||
        typeof entry.Detail !== 'string'
      ) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      const record: CapturedEvent = {
        source: entry.Source,
        detailType: entry.DetailType,
        detail,
        resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : [],
        eventBusName: typeof entry.EventBusName === 'string' ? entry.EventBusName : undefined,
        eventId: randomUUID(),
        time: new Date(now).toISOString(),
      };
      this.events.push(record);
      // On disk as EventBridge delivers it to a rule's target (the shape the README documents).
      this.#append('events.jsonl', {
        version: '0',
        id: record.eventId,
        'detail-type': record.detailType,
        source: record.source,
        time: record.time,
        resources: record.resources,
        detail: record.detail,
      });
      return { EventId: record.eventId };
    });
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  /** SQS SendMessage (JSON 1.0), with DelaySeconds 0..900 as SQS allows. */
  sendMessage(input: Record<string, unknown>, now: number) {
    const { QueueUrl, MessageBody, DelaySeconds = 0 } = input;
    if (typeof QueueUrl !== 'string' || typeof MessageBody !== 'string' || MessageBody === '') {
      throw new QueryFault('MissingParameter', 'QueueUrl and MessageBody are required');
    }
    if (
      typeof DelaySeconds !== 'number' ||
      !Number.isInteger(DelaySeconds) ||
      DelaySeconds < 0 ||
      DelaySeconds > 900
    ) {
      throw new QueryFault('InvalidParameterValue', 'DelaySeconds must be an integer from 0 to 900');
    }
    const message: QueuedMessage = {
      queueUrl: QueueUrl,
      body: MessageBody,
      delaySeconds: DelaySeconds,
      visibleAt: now + DelaySeconds * 1000,
      messageId: randomUUID(),
    };
    this.queued.push(message);
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex'),
    };
  }

  /** Remove and return the queued messages whose delay has passed at `now`. */
  takeDueMessages(now: number): QueuedMessage[] {
    const due = this.queued.filter((message) => message.visibleAt <= now);
    for (const message of due) this.queued.splice(this.queued.indexOf(message), 1);
    return due;
  }

  /** CloudWatch GetMetricData over the per-node series. */
  getMetricData(input: Record<string, unknown>, now: number) {
    return this.metrics.getMetricData(input, now);
  }

  /**
   * Step Functions StartExecution, recorded as RUNNING. A name is used once: while that
   * execution runs, the same input answers it again (a retried start) and another input is
   * ExecutionAlreadyExists; once it is closed, any start under the name is ExecutionAlreadyExists.
   */
  startExecution(input: Record<string, unknown>, now: number) {
    const { stateMachineArn, name } = input;
    if (typeof stateMachineArn !== 'string' || !stateMachineArn.startsWith('arn:'))
      throw new QueryFault('InvalidArn', 'stateMachineArn must be an ARN');
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new QueryFault('InvalidName', 'name must be 1-80 letters, digits, - or _');
    const text = typeof input.input === 'string' ? input.input : '{}';
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing !== undefined && (existing.status !== 'RUNNING' || existing.input !== text))
      throw new QueryFault('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    if (existing === undefined)
      this.executions.set(executionArn, {
        stateMachineArn,
        name,
        input: text,
        executionArn,
        status: 'RUNNING',
      });
    return { executionArn, startDate: now / 1000 };
  }

  /** A recorded execution ends (what running it would have done): its name stays taken. */
  closeExecution(executionArn: string, status: unknown = 'SUCCEEDED'): StartedExecution {
    const execution = this.executions.get(executionArn);
    if (execution === undefined) throw new Error(`no execution ${executionArn}`);
    const closed = EXECUTION_STATUSES.find((value) => value === status && value !== 'RUNNING');
    if (closed === undefined)
      throw new Error(`status must be one of ${EXECUTION_STATUSES.slice(1).join(', ')}`);
    execution.status = closed;
    return execution;
  }
}
