import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { groupState, modifyCalls, type Stack, startStack } from '../harness.js';
import { type Handler, reactSettings, setFunctionEnv } from './deployed-function.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
`;
let QUEUE_URL = '';

let stack: Stack;
let handler: Handler;
let invocations = 0;
const invoke = (event: unknown) => {
  invocations += 1;
  return handler(event, { awsRequestId: `request-${invocations}` } as Context) as Promise<
    Record<string, unknown>
  >;
};

const cloudTrail = (eventName: string, replicationGroupId: string) => ({
  version: '0',
  id: 'c5b7a1f0-0000-4000-8000-000000000001',
  source: 'aws.elasticache',
  'detail-type': 'AWS API Call via CloudTrail',
  detail: {
    eventSource: 'elasticache.amazonaws.com',
    eventName,
    requestParameters: { replicationGroupId },
  },
});

beforeAll(async () => {
  stack = await startStack();
  setFunctionEnv(stack, POLICY, { ...reactSettings(stack), AWS_MAX_ATTEMPTS: '3' });
  // The SQS client sends to the host of the queue URL, as it does in AWS.
  QUEUE_URL = reactSettings(stack).RECHECK_QUEUE_URL;
  ({ handler } = await import('../../../functions/durability-react/handler.js'));
});

beforeEach(() => {
  // Re-checks queued by an earlier test are not this test's business.
  stack.emulator.sinks.takeDueMessages(Number.MAX_SAFE_INTEGER);
});

afterAll(async () => {
  await stack.close();
});

describe('Function: durability-react', () => {
  it('makes exactly one ModifyReplicationGroup for one event delivered 5 times and twice more beside a scan', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('dup-1'));
    const event = cloudTrail('CreateReplicationGroup', 'dup-1');
    const policy = parsePolicy(POLICY, 'policy.yaml');

    // Act
    for (let delivery = 0; delivery < 5; delivery += 1) await invoke(event);
    await Promise.all([
      invoke(event),
      invoke(event),
      scanDurability(stack.durabilityDeps('scan'), { policy, dryRun: false }),
    ]);

    // Assess
    expect(modifyCalls(stack.emulator).filter((id) => id === 'dup-1')).toHaveLength(1);
  });

  it('makes one call when the first deliveries race each other and a scan', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('race-1'));
    const event = cloudTrail('ModifyReplicationGroup', 'race-1');
    const policy = parsePolicy(POLICY, 'policy.yaml');

    // Act
    await Promise.all([
      ...Array.from({ length: 5 }, () => invoke(event)),
      scanDurability(stack.durabilityDeps('scan'), { policy, dryRun: false }),
    ]);

    // Assess
    expect(modifyCalls(stack.emulator).filter((id) => id === 'race-1')).toHaveLength(1);
  });

  it('re-checks a changing group through the delay queue, then acts once it is available', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('busy-1', { status: 'creating' }));

    // Act
    const first = await invoke(cloudTrail('CreateReplicationGroup', 'busy-1'));
    const [message] = stack.emulator.sinks.takeDueMessages(Number.MAX_SAFE_INTEGER);
    const group = stack.emulator.model.groups.get('busy-1');
    if (group !== undefined) group.status = 'available';
    const second = await invoke({ Records: [{ messageId: 'm1', body: message?.body }] });

    // Assess
    expect(first).toMatchObject({ status: 'creating', recheckInSeconds: 60 });
    expect(message).toMatchObject({ queueUrl: QUEUE_URL, delaySeconds: 60 });
    expect(JSON.parse(message?.body ?? '{}')).toEqual({ replicationGroupId: 'busy-1', attempt: 1 });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(modifyCalls(stack.emulator).filter((id) => id === 'busy-1')).toHaveLength(1);
  });

  it('stops re-checking a group that never settles after MAX_RECHECKS tries', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('stuck-1', { status: 'modifying' }));
    let event: unknown = cloudTrail('ModifyReplicationGroup', 'stuck-1');

    // Act
    const delays: unknown[] = [];
    for (let attempt = 0; attempt < 10 && event !== undefined; attempt += 1) {
      await invoke(event);
      const [message] = stack.emulator.sinks.takeDueMessages(Number.MAX_SAFE_INTEGER);
      delays.push(message?.delaySeconds);
      event =
        message === undefined ? undefined : { Records: [{ messageId: `m${attempt}`, body: message.body }] };
    }

    // Assess
    expect(delays).toEqual([60, 120, 240, undefined]);
    expect(modifyCalls(stack.emulator).filter((id) => id === 'stuck-1')).toEqual([]);
  });

  it('processes each record of a batch on its own and reports only the poison one for redelivery', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('batch-1'));
    stack.emulator.model.putGroup(groupState('batch-2'));
    const recheck = (messageId: string, body: string) => ({ messageId, body, eventSource: 'aws:sqs' });

    // Act
    const result = await invoke({
      Records: [
        recheck('m-batch-1', JSON.stringify({ replicationGroupId: 'batch-1', attempt: 1 })),
        recheck('m-poison', '{"attempt":1}'),
        recheck('m-batch-2', JSON.stringify({ replicationGroupId: 'batch-2', attempt: 1 })),
      ],
    });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-poison' }] });
    expect(modifyCalls(stack.emulator).filter((id) => id === 'batch-1')).toHaveLength(1);
    expect(modifyCalls(stack.emulator).filter((id) => id === 'batch-2')).toHaveLength(1);
  });

  it('reports a record that met a retryable error, and still processes the others', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('flaky-1'));
    stack.emulator.model.putGroup(groupState('steady-1'));
    // Every attempt (AWS_MAX_ATTEMPTS=3) of the first record's read answers 503.
    stack.emulator.faults.failNext({
      action: 'DescribeReplicationGroups',
      code: 'ServiceUnavailable',
      status: 503,
      times: 3,
    });

    // Act
    const result = await invoke({
      Records: [
        { messageId: 'm-flaky', body: JSON.stringify({ replicationGroupId: 'flaky-1', attempt: 1 }) },
        { messageId: 'm-steady', body: JSON.stringify({ replicationGroupId: 'steady-1', attempt: 1 }) },
      ],
    });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-flaky' }] });
    expect(modifyCalls(stack.emulator).filter((id) => id === 'flaky-1')).toEqual([]);
    expect(modifyCalls(stack.emulator).filter((id) => id === 'steady-1')).toHaveLength(1);
  });

  it.each([
    [
      'no detail',
      { source: 'aws.elasticache', 'detail-type': 'AWS API Call via CloudTrail' },
      'detail: is required',
    ],
    [
      'another source',
      { ...cloudTrail('ModifyReplicationGroup', 'x'), source: 'aws.ec2' },
      'source: "aws.ec2" is not one of aws.elasticache',
    ],
    [
      'an unknown eventName',
      cloudTrail('RebootCacheCluster', 'x'),
      'detail.eventName: "RebootCacheCluster" is not one of',
    ],
    [
      'a failed call',
      {
        ...cloudTrail('ModifyReplicationGroup', 'x'),
        detail: {
          ...cloudTrail('ModifyReplicationGroup', 'x').detail,
          errorCode: 'InvalidParameterCombination',
        },
      },
      'detail.errorCode: the ModifyReplicationGroup call failed',
    ],
    ['no group id', cloudTrail('ModifyReplicationGroup', ''), 'detail.requestParameters.replicationGroupId'],
    ['a re-check without a message id', { Records: [{ body: '{"attempt":1}' }] }, 'Records.0.messageId'],
  ])('drops an event with %s, naming the reason, without calling anything', async (_name, event, reason) => {
    // Prepare
    const before = stack.emulator.faults.log.length;

    // Act
    const result = await invoke(event);

    // Assess
    expect(result).toMatchObject({ dropped: true });
    expect(String(result.reason)).toContain(reason);
    expect(stack.emulator.faults.log.length).toBe(before);
  });

  it('drops an ElastiCache service event: none is published for a replication group, so none is read', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('svc-1'));
    const before = stack.emulator.faults.log.length;

    // Act
    const result = await invoke({
      source: 'aws.elasticache',
      'detail-type': 'Cache Updated',
      detail: { SourceIdentifier: 'svc-1', SourceType: 'replication-group', Message: 'modified' },
    });

    // Assess
    expect(result).toMatchObject({ dropped: true });
    expect(String(result.reason)).toContain('detail-type: "Cache Updated" is not one of');
    expect(stack.emulator.faults.log.length).toBe(before);
  });
});
