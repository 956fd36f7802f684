import {
  CompleteMigrationCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { MIGRATION_ERRORS } from '../../../shared/domain/workflow/index.js';
import { cli, dynamo, resetStepFunctionsCli, sfn } from './step-functions-cli.js';

const elasticache = mockClient(ElastiCacheClient);
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:elasticache-guardrails-prod-migration';
const GROUP_ARN = 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders';
const EXECUTION = 'orders-20261125100000';
const lock = (details: object) => ({
  Item: {
    pk: 'lease',
    sk: 'migration#orders',
    holder: EXECUTION,
    acquiredAt: '2026-11-25T10:00:00Z',
    expiresAt: 1_900_000_000,
    details,
  },
});
const started = { snapshotName: 'orders-premigration', execution: EXECUTION, token: 't-1' };
const startRequest = { call: 'StartMigration', step: 'StartMigration', at: '2026-11-25T10:05:00Z' };
const leaseGet = { Key: { pk: 'lease', sk: 'migration#orders' } };

describe('guardrails migration abort, against Step Functions', () => {
  beforeEach(() => {
    resetStepFunctionsCli();
    elasticache.reset();
    vi.stubEnv('MIGRATION_STATE_MACHINE_ARN', ARN);
    dynamo.on(GetCommand, { Key: { pk: 'approval#migration', sk: 'orders' } }).resolves({});
    // No earlier abort recorded (status says the last one).
    dynamo.on(GetCommand, { Key: { pk: 'abort#migration', sk: 'orders' } }).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'ABORTED' });
  });

  it('stops a running step as upgrade abort does: lock aborting, StopExecution, Force=true for the migration it started, then the lock released', async () => {
    // Prepare: the execution's lock records StartMigration; the group is under migration.
    dynamo
      .on(GetCommand, leaseGet)
      .resolvesOnce(lock({ ...started, state: 'held', request: startRequest }))
      .resolves(lock({ ...started, state: 'aborting', request: startRequest }));
    elasticache.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ReplicationGroupId: 'orders', ARN: GROUP_ARN, Status: 'migrating' }],
    });
    elasticache.on(ListTagsForResourceCommand).resolves({ TagList: [] });
    elasticache.on(CompleteMigrationCommand).resolves({});

    // Act
    const { code, out } = await cli(['migration', 'abort', 'orders', '--reason', 'wrong source']);

    // Assess
    expect(code).toBe(EXIT.compliant);
    expect(out).toContain(
      `stopped ${EXECUTION}: its migration was stopped with CompleteMigration Force=true`,
    );
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({
      executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${EXECUTION}`,
      error: MIGRATION_ERRORS.aborted,
      cause: expect.stringContaining('wrong source'),
    });
    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates[0]).toMatchObject({
      ExpressionAttributeValues: { ':holder': EXECUTION, ':d0': 'aborting' },
    });
    // The forced stop is recorded on the lock while the abort holds it aborting, then sent.
    expect(updates[1]).toMatchObject({
      ExpressionAttributeValues: { ':e0': EXECUTION, ':e1': 'aborting' },
    });
    expect(elasticache.commandCalls(CompleteMigrationCommand).map((call) => call.args[0].input)).toEqual([
      { ReplicationGroupId: 'orders', Force: true },
    ]);
    const deletes = dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key);
    expect(deletes[0]).toEqual(leaseGet.Key);
  });

  it('forces nothing when the stopped execution had not started a migration', async () => {
    // Prepare: its last request was the pre-migration snapshot.
    const snapshot = { call: 'CreateSnapshot', step: 'pre-migration snapshot', at: '2026-11-25T10:01:00Z' };
    dynamo
      .on(GetCommand, leaseGet)
      .resolvesOnce(lock({ ...started, state: 'held', request: snapshot }))
      .resolves(lock({ ...started, state: 'aborting', request: snapshot }));

    // Act
    const { code, out } = await cli(['migration', 'abort', 'orders', '--reason', 'wrong source']);

    // Assess
    expect(code).toBe(EXIT.compliant);
    expect(out).toContain('it had not started a migration');
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
    expect(elasticache.calls()).toHaveLength(0);
  });

  it('stops and releases a lock taken before locks carried a token, and says a started migration is for the operator to check', async () => {
    // Prepare: a lock as the earlier version wrote it (no token, no state, no request).
    dynamo
      .on(GetCommand, leaseGet)
      .resolvesOnce(lock({ snapshotName: 'orders-premigration' }))
      .resolves(lock({ snapshotName: 'orders-premigration', state: 'aborting' }));

    // Act
    const status = await cli(['migration', 'status', 'orders']);
    const { code, out } = await cli(['migration', 'abort', 'orders', '--reason', 'upgrade of the app']);

    // Assess
    expect(JSON.parse(status.out)).toMatchObject({
      running: { execution: EXECUTION, lock: 'legacy', note: expect.stringContaining('abort the execution') },
    });
    expect(code).toBe(EXIT.compliant);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
    expect(out).toContain('whether it started a migration is unknown');
    expect(elasticache.calls()).toHaveLength(0);
    const deletes = dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input);
    expect(deletes[0]).toMatchObject({
      Key: leaseGet.Key,
      ExpressionAttributeValues: { ':holder': EXECUTION },
    });
  });
});
