import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { CompleteMigrationCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MIGRATION_EVENTS, parseMigrationInput } from '../../../shared/domain/migration/index.js';
import { firstPoll } from '../../../shared/domain/workflow/index.js';
import { parseFailureState, parseMigrationState } from '../../../shared/jobs/migration/state.js';

process.env.STATE_TABLE = 'guardrails-test';
process.env.AWS_REGION = 'us-east-1';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { handler } = await import('../../../functions/migration-control/handler.js');

const context = { awsRequestId: 'req-1' } as Context;
const elasticache = mockClient(ElastiCacheClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const input = parseMigrationInput({
  replicationGroupId: 'orders',
  customerEndpoints: [{ address: '10.0.0.5', port: 6379 }],
});
const preflight = {
  at: '2026-11-25T09:59:00Z',
  group: { id: 'orders', status: 'available' },
  notes: [],
  lockToken: 'token-1',
};
const state = {
  input,
  preflight,
  migration: {
    started: true,
    startedAt: '2026-11-25T10:00:00Z',
    sync: { ...firstPoll({ firstWaitSeconds: 1, maxWaitSeconds: 1, maxAttempts: 1 }) },
  },
};
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

describe('Handler: migration-control (the error names the state machine routes on)', () => {
  beforeEach(() => {
    elasticache.reset();
    dynamo.reset();
    // The group's lock is still this execution's: the fence lets the request go.
    dynamo.on(UpdateCommand).resolves({});
  });

  it('names a final API fault after the fault, so Catch sends it to the failure path', async () => {
    elasticache.on(CompleteMigrationCommand).rejects(
      Object.assign(new Error('not under migration'), {
        name: 'ReplicationGroupNotUnderMigrationFault',
        $fault: 'client',
      }),
    );

    const error = await errorOf(handler({ action: 'complete', execution: 'run-1', state }, context));

    expect(error?.name).toBe('ReplicationGroupNotUnderMigrationFault');
    expect(error?.message).toContain('CompleteMigration failed');
  });

  it('names throttling TransientError, which the ASL retries', async () => {
    elasticache
      .on(CompleteMigrationCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    const error = await errorOf(handler({ action: 'complete', execution: 'run-1', state }, context));

    expect(error?.name).toBe('TransientError');
  });

  it('treats an abort of a migration already stopped as done, without a second call', async () => {
    elasticache.on(CompleteMigrationCommand).rejects(
      Object.assign(new Error('not under migration'), {
        name: 'ReplicationGroupNotUnderMigrationFault',
        $fault: 'client',
      }),
    );

    const result = (await handler({ action: 'abort', execution: 'run-1', state }, context)) as {
      done: boolean;
      alreadyStopped: boolean;
    };

    expect(result).toMatchObject({ done: true, alreadyStopped: true });
    expect(elasticache.commandCalls(CompleteMigrationCommand)[0]?.args[0].input).toEqual({
      ReplicationGroupId: 'orders',
      Force: true,
    });
  });

  it.each([
    ['start', { input, preflight }],
    ['complete', state],
    ['abort', state],
  ] as const)(
    "sends no %s request once the lock is another execution's (LockLost)",
    async (action, taskState) => {
      dynamo
        .on(UpdateCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'condition', $metadata: {} }));
      dynamo.on(GetCommand).resolves({
        Item: {
          pk: 'lease',
          sk: 'migration#orders',
          holder: 'up-2',
          acquiredAt: 'x',
          expiresAt: 1,
          details: {},
        },
      });

      const error = await errorOf(handler({ action, execution: 'run-1', state: taskState }, context));

      expect(error?.name).toBe('LockLost');
      expect(error?.message).toContain('the lock is held by up-2');
      expect(elasticache.calls()).toHaveLength(0);
      expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
        Key: { pk: 'lease', sk: 'migration#orders' },
        ExpressionAttributeValues: { ':e0': 'run-1', ':e1': 'token-1', ':e2': 'held' },
      });
    },
  );

  it('refuses to abort when this execution started no migration', async () => {
    const error = await errorOf(
      handler({ action: 'abort', execution: 'run-1', state: { input, preflight } }, context),
    );

    expect(error?.name).toBe('AbortRefused');
    expect(elasticache.commandCalls(CompleteMigrationCommand)).toHaveLength(0);
  });

  it.each([
    [{ action: 'complete', state }, 'execution'],
    [{ action: 'launch', execution: 'run-1', state }, 'migration-control has no action "launch"'],
  ])('rejects the task event %j naming %s', async (event, named) => {
    const error = await errorOf(handler(event, context));

    expect(error?.message).toContain(named);
  });
});

describe('Function: parseMigrationInput', () => {
  it('fills the defaults and keeps a partial polling override', () => {
    const input = parseMigrationInput({
      replicationGroupId: 'orders',
      customerEndpoints: [{ address: 'redis.internal.example', port: 6379 }],
      polling: { sync: { firstWaitSeconds: 30, maxWaitSeconds: 300, maxAttempts: 10 } },
    });
    expect(input).toMatchObject({ dryRun: false, requireApproval: false, maxLagBytes: 1_048_576 });
    expect(input.polling.sync.firstWaitSeconds).toBe(30);
    expect(input.polling.snapshot.firstWaitSeconds).toBe(30);
    expect(input.polling.test.maxAttempts).toBe(20);
  });

  it('refuses waits that could outlast the execution, which would end without the abort path', () => {
    expect(() =>
      parseMigrationInput({
        replicationGroupId: 'orders',
        customerEndpoints: [{ address: '10.0.0.1', port: 6379 }],
        approvalTimeoutSeconds: 7 * 86_400,
        polling: { sync: { firstWaitSeconds: 60, maxWaitSeconds: 3600, maxAttempts: 200 } },
      }),
    ).toThrow(/polling: the waits could last 16 days, more than the 13 days an execution may wait/);
  });

  it('names an unknown field and a ceiling below the first wait', () => {
    expect(() =>
      parseMigrationInput({
        replicationGroupId: 'orders',
        customerEndpoints: [{ address: '10.0.0.1', port: 1 }],
        force: true,
      }),
    ).toThrow(/Unrecognized key: "force"/);
    expect(() =>
      parseMigrationInput({
        replicationGroupId: 'orders',
        customerEndpoints: [{ address: '10.0.0.1', port: 1 }],
        polling: { abort: { firstWaitSeconds: 60, maxWaitSeconds: 30, maxAttempts: 3 } },
      }),
    ).toThrow('polling.abort.maxWaitSeconds: must not be below firstWaitSeconds');
  });
});

describe('MIGRATION_EVENTS', () => {
  it.each([
    ['Test Migration successful for orders', true, false],
    ['Test migration succeeded for replication group orders', true, false],
    ['Test Migration failed for orders: source unreachable', true, true],
    ['TestMigration failure for orders: AUTH required', true, true],
    ['Test Migration started for orders', false, false],
    ['Migration started for replication group orders', false, false],
  ])('reads "%s" as an outcome: %s, a failure: %s', (message, outcome, failed) => {
    expect(MIGRATION_EVENTS.test.test(message)).toBe(outcome);
    if (outcome) expect(MIGRATION_EVENTS.failed.test(message)).toBe(failed);
  });

  it.each([
    ['Complete Migration failed for orders: replication lag too high', true],
    ['Complete Migration successful for orders', false],
    ['Migration stopped for orders without data sync (forced)', false],
  ])('reads "%s" as a CompleteMigration failure: %s', (message, failed) => {
    expect(MIGRATION_EVENTS.completeFailed.test(message)).toBe(failed);
  });
});

describe('Function: parseMigrationState', () => {
  it("parses the input and every part once, keeping a part's own fields", () => {
    const parsed = parseMigrationState({
      ...state,
      snapshot: {
        ...firstPoll(state.input.polling.snapshot),
        name: 's-1',
        status: 'creating',
        startedAt: 'T',
        extra: 1,
      },
    });

    expect(parsed.input.polling.sync.maxAttempts).toBe(120);
    expect(parsed.snapshot).toMatchObject({ name: 's-1', extra: 1 });
  });

  it('names the bad field of a malformed part', () => {
    expect(() => parseMigrationState({ ...state, snapshot: { name: 7 } })).toThrow(
      /invalid migration state: snapshot\.done: .*snapshot\.name: /,
    );
  });

  it('names the bad field of the input', () => {
    expect(() => parseMigrationState({ input: { replicationGroupId: 'orders' } })).toThrow(
      /invalid migration input: customerEndpoints: /,
    );
  });
});

describe('Function: parseFailureState', () => {
  const error = { Error: 'InputValidationError', Cause: 'invalid migration input' };

  it('reports an input that never validated with the group it names and the error', () => {
    expect(parseFailureState({ replicationGroupId: 'orders', customerEndpoints: 3, error })).toEqual({
      groupId: 'orders',
      error,
    });
  });

  it('reads every part the report needs once the input is valid', () => {
    const failure = parseFailureState({ ...state, error });

    expect(failure).toMatchObject({ groupId: 'orders', error, migration: { started: true } });
  });

  it('still sees a started migration when other fields of the state are malformed', () => {
    const failure = parseFailureState({
      input: { replicationGroupId: 'orders' },
      migration: { started: true, startedAt: 5, sync: 'lost' },
      abort: 'lost',
      error,
    });

    expect(failure.migration?.started).toBe(true);
    expect(failure.abort).toBeUndefined();
    expect(failure.groupId).toBe('orders');
  });
});
