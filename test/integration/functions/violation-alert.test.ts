/**
 * The violation-alert function against the sandbox: a `Guardrails Policy Violation` event becomes
 * one SNS message per event id however often it is delivered (one after another, or at once);
 * an event of another account or source, or a malformed one, is dropped naming the field, and
 * nothing is written or sent. Every Publish that reached the sandbox is counted, refused ones too.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../../shared/aws/notify.js';
import { ALERT_TOPIC, REGION, requestsReached, type Stack, startStack } from '../harness.js';

const OWN_ACCOUNT = '123456789012';
let stack: Stack;
let handler: (event: unknown, context: Context) => Promise<unknown>;
let invocations = 0;
const invoke = (event: unknown) => {
  invocations += 1;
  return handler(event, {
    awsRequestId: `request-${invocations}`,
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${OWN_ACCOUNT}:function:violation-alert`,
  } as Context) as Promise<Record<string, unknown>>;
};

/** A violation event as EventBridge delivers it to the function. */
const violation = (eventId: string, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: `delivery-${eventId}`,
  source: EVENT_SOURCE,
  'detail-type': DETAIL_TYPES.policyViolation,
  account: OWN_ACCOUNT,
  region: REGION,
  time: '2026-11-25T10:00:00Z',
  resources: [`arn:aws:elasticache:${REGION}:${OWN_ACCOUNT}:replicationgroup:orders`],
  detail: {
    eventId,
    severity: 'high',
    finding: {
      resourceType: 'replication-group',
      resourceId: 'orders',
      arn: `arn:aws:elasticache:${REGION}:${OWN_ACCOUNT}:replicationgroup:orders`,
      rule: 'prod-durability',
      check: 'durability',
      status: 'violation',
      expected: '>= sync',
      observed: 'disabled',
      reason: 'EffectiveDurability is disabled, the policy requires at least sync',
      action: null,
    },
  },
  ...overrides,
});

const publishes = () => requestsReached(stack.emulator, 'Publish').length;

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, {
    ALERT_TOPIC_ARN: ALERT_TOPIC,
    AWS_MAX_ATTEMPTS: '2',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../../functions/violation-alert/handler.js'));
});

beforeEach(() => {
  stack.emulator.sinks.messages.length = 0;
  stack.emulator.faults.log.length = 0;
  stack.dynamo.calls.length = 0;
});

afterAll(async () => {
  await stack.close();
});

describe('Function: violation-alert', () => {
  it('sends one SNS message for one event delivered twice, then twice at once', async () => {
    // Act
    const first = await invoke(violation('v-1'));
    const second = await invoke(violation('v-1'));
    const together = await Promise.allSettled([invoke(violation('v-1')), invoke(violation('v-1'))]);

    // Assess: one Publish reached the topic, with the line the topic has always carried.
    expect(first).toEqual({ eventId: 'v-1', sent: true });
    expect(second).toEqual({ eventId: 'v-1', sent: false });
    expect(together.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(publishes()).toBe(1);
    expect(stack.emulator.sinks.messages.map((message) => message.message)).toEqual([
      '[high] durability violation on orders (rule prod-durability): EffectiveDurability is disabled, the policy requires at least sync',
    ]);
    expect(stack.emulator.sinks.messages[0]?.attributes).toMatchObject({
      severity: 'high',
      rule: 'prod-durability',
      resourceType: 'replication-group',
    });
  });

  it('sends one SNS message when two first deliveries arrive at once', async () => {
    // Act: the one that finds the other's claim unsent fails for Lambda's retry.
    const together = await Promise.allSettled([invoke(violation('v-2')), invoke(violation('v-2'))]);
    const retried = await invoke(violation('v-2'));

    // Assess
    expect(publishes()).toBe(1);
    expect(retried).toEqual({ eventId: 'v-2', sent: false });
    for (const result of together)
      if (result.status === 'rejected') expect(String(result.reason)).toContain('AlertInFlightError');
  });

  it('sends the alert again after a failed Publish, once', async () => {
    // Prepare
    stack.emulator.faults.failNext({ action: 'Publish', code: 'InternalError', times: 1 });

    // Act: the first delivery fails (its claim is given back), the retry sends.
    const failed = await invoke(violation('v-3')).catch((error: unknown) => error);
    await invoke(violation('v-3'));
    await invoke(violation('v-3'));

    // Assess
    expect(String(failed)).toContain('SNS Publish failed');
    expect(stack.emulator.sinks.messages).toHaveLength(1);
  });

  it.each([
    ['another account', { account: '210987654321' }, 'account: 210987654321 is not this deployment'],
    ['another source', { source: 'custom.guardrails' }, 'source'],
    ['another detail type', { 'detail-type': DETAIL_TYPES.remediationStarted }, 'detail-type'],
    ['no event id', { detail: { ...violation('x').detail, eventId: undefined } }, 'detail.eventId'],
    [
      'a check with an alert of its own',
      {
        detail: {
          ...violation('x').detail,
          finding: { ...violation('x').detail.finding, check: 'storageEncryption' },
        },
      },
      'detail.finding.check',
    ],
    ['no finding', { detail: { eventId: 'v-4' } }, 'detail.finding'],
  ])(
    'drops an event with %s, naming the field, and sends and writes nothing',
    async (_, overrides, field) => {
      // Act
      const answer = await invoke(violation('v-4', overrides));

      // Assess
      expect(answer).toMatchObject({ dropped: true, reason: expect.stringContaining(field) });
      expect(publishes()).toBe(0);
      expect(stack.dynamo.calls).toEqual([]);
    },
  );
});
