import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseMigrationInput } from '../../../shared/domain/migration/index.js';
import { firstPoll } from '../../../shared/domain/workflow/index.js';

// Each handler builds its own deps from this environment when its module loads.
process.env.STATE_TABLE = 'guardrails-test';
process.env.AWS_REGION = 'us-east-1';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.ALERT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts';
process.env.POLICY_FILE = new URL('../../../infra/policy.default.yaml', import.meta.url).pathname;
const approval = (await import('../../../functions/migration-approval/handler.js')).handler;
const durability = (await import('../../../functions/migration-durability/handler.js')).handler;
const finish = (await import('../../../functions/migration-finish/handler.js')).handler;

const context = { awsRequestId: 'req-1' } as Context;
const elasticache = mockClient(ElastiCacheClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
const input = parseMigrationInput({
  replicationGroupId: 'orders',
  customerEndpoints: [{ address: '10.0.0.5', port: 6379 }],
});
const synced = {
  input,
  preflight: {
    at: '2026-11-25T09:59:00Z',
    group: { id: 'orders', status: 'available' },
    notes: [],
    lockToken: 't-1',
  },
  migration: {
    started: true,
    startedAt: '2026-11-25T10:00:00Z',
    sync: { ...firstPoll(input.polling.sync), done: true, lagBytes: 12 },
  },
};
const detailTypes = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

describe('Handlers: migration functions built from their own deps', () => {
  beforeEach(() => {
    for (const mock of [elasticache, dynamo, eventBridge, sns]) mock.reset();
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'e-1' }] });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('migration-approval parks the task token in the state table and asks people, touching no ElastiCache', async () => {
    const result = await approval(
      { action: 'request', execution: 'run-1', taskToken: 'token-1', state: synced },
      context,
    );

    expect(result).toEqual({ requestedAt: expect.any(String) });
    expect(dynamo).toReceiveCommandWith(PutCommand, {
      TableName: 'guardrails-test',
      Item: expect.objectContaining({ value: expect.objectContaining({ taskToken: 'token-1' }) }),
    });
    expect(detailTypes().map((entry) => entry.DetailType)).toEqual(['Migration Approval Requested']);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message).not.toContain('token-1');
    expect(elasticache.calls()).toHaveLength(0);
  });

  it('migration-durability reads the policy file and reports a group that is gone as done', async () => {
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .rejects(
        Object.assign(new Error('not found'), { name: 'ReplicationGroupNotFoundFault', $fault: 'client' }),
      );

    const result = await durability({ action: 'raise', execution: 'run-1', state: synced }, context);

    expect(result).toMatchObject({ done: true, status: 'deleted', action: null });
    expect(detailTypes().map((entry) => entry.DetailType)).toEqual(['Migration Step']);
  });

  it('migration-finish reports an input that never validated and releases only what that group holds', async () => {
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});
    const error = { Error: 'InputValidationError', Cause: 'invalid migration input: customerEndpoints' };

    const result = await finish(
      { action: 'failed', execution: 'run-1', state: { replicationGroupId: 'orders', error } },
      context,
    );

    expect(result).toMatchObject({
      status: 'failed',
      replicationGroupId: 'orders',
      error: 'InputValidationError',
      migration: 'not started: the group was not changed',
    });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe(
      'Migration of orders failed: InputValidationError',
    );
    expect(elasticache.calls()).toHaveLength(0);
  });
});
