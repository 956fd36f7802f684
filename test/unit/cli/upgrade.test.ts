import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { UPGRADE_ERRORS } from '../../../shared/domain/workflow/index.js';
import { cli, dynamo, expectStarted, resetStepFunctionsCli, sfn } from './step-functions-cli.js';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAR-real-upgrade-token';
const ARN =
  'arn:aws:states:eu-west-1:123456789012:stateMachine:elasticache-guardrails-prod-durability-upgrade';

const parked = (pk: string, sk: string, value: object) => ({ Item: { pk, sk, value } });
const approval = parked('approval#upgrade', 'orders', {
  replicationGroupId: 'orders',
  execution: 'orders-20261125100000',
  taskToken: TOKEN,
  requestedAt: '2026-11-25T10:00:00Z',
});
const lockItem = {
  Item: {
    pk: 'lease',
    sk: 'migration#orders',
    holder: 'orders-20261125100000',
    acquiredAt: '2026-11-25T10:00:00Z',
    expiresAt: 1_900_000_000,
    details: { kind: 'upgrade', arn: 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders' },
  },
};

describe('guardrails upgrade, against Step Functions', () => {
  beforeEach(() => {
    resetStepFunctionsCli();
    vi.stubEnv('UPGRADE_STATE_MACHINE_ARN', ARN);
  });

  it('starts an execution of UPGRADE_STATE_MACHINE_ARN with the validated input and a name per group and time', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:orders-1`, startDate: new Date() });

    const flags = ['--target', 'sync', '--allow', 'enable-tls', 'add-replicas', '--enforce'];
    const started = await cli(['upgrade', 'start', 'orders', ...flags]);

    expectStarted(started, ARN, {
      replicationGroupId: 'orders',
      target: 'sync',
      allow: ['enable-tls', 'add-replicas'],
      enforce: true,
      dryRun: false,
      polling: { step: { firstWaitSeconds: 60 } },
    });
  });

  it('passes --shards (the workload fit) to the execution, and refuses a count past 500 before any call', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:orders-1`, startDate: new Date() });

    const started = await cli(['upgrade', 'start', 'orders', '--target', 'sync', '--shards', '4']);
    const bad = await cli(['upgrade', 'start', 'orders', '--target', 'sync', '--shards', '501']);

    expectStarted(started, ARN, { replicationGroupId: 'orders', target: 'sync', shards: 4 });
    expect(bad).toMatchObject({
      code: EXIT.usage,
      err: expect.stringMatching(/--shards "?501"?: expected a whole number from 1 to 500/),
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('starts with the soak --soak, --on-breach and --unattended-step-back give', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:orders-1`, startDate: new Date() });

    const flags = ['--target', 'sync', '--soak', '90m', '--on-breach', 'step-back', '--unattended-step-back'];
    const started = await cli(['upgrade', 'start', 'orders', ...flags]);

    expectStarted(started, ARN, {
      replicationGroupId: 'orders',
      soak: { windowSeconds: 5400, onBreach: 'step-back', unattended: true, lookSeconds: 300 },
    });
  });

  it('refuses a soak window outside 5m to 24h, and breach flags without --soak, before any call', async () => {
    const long = await cli([
      'upgrade',
      'start',
      'orders',
      '--target',
      'sync',
      '--soak',
      '3d',
      '--state-machine-arn',
      ARN,
    ]);
    const alone = await cli([
      'upgrade',
      'start',
      'orders',
      '--target',
      'sync',
      '--on-breach',
      'alert',
      '--state-machine-arn',
      ARN,
    ]);

    expect(long).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining('--soak: expected a duration from 5m to 24h'),
    });
    expect(alone).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining('--on-breach and --unattended-step-back need --soak'),
    });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers in the asked format, one row for the started execution', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:orders-1`, startDate: new Date() });

    const { code, out } = await cli(['upgrade', 'start', 'orders', '--target', 'async', '--format', 'csv']);

    expect(code).toBe(EXIT.compliant);
    expect(out.trim().split('\n')).toEqual([
      'replicationGroupId,execution,status,detail',
      expect.stringMatching(new RegExp(`^orders,orders-\\d{14},started,${ARN}:orders-1$`)),
    ]);
  });

  it('refuses bad input naming the field, and a missing state machine, before any call', async () => {
    vi.stubEnv('UPGRADE_STATE_MACHINE_ARN', '');

    const bad = await cli(['upgrade', 'start', 'orders', '--target', 'fast', '--state-machine-arn', ARN]);
    const noArn = await cli(['upgrade', 'start', 'orders', '--target', 'async']);

    expect(bad).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(/target/) });
    expect(noArn).toMatchObject({
      code: EXIT.usage,
      err: 'guardrails: upgrade start: give --state-machine-arn (or UPGRADE_STATE_MACHINE_ARN)\n',
    });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('approves with the parked task token, which it never prints', async () => {
    dynamo.on(GetCommand).resolves(approval);
    sfn.on(SendTaskSuccessCommand).resolves({});

    const { code, out } = await cli(['upgrade', 'approve', 'orders', '--format', 'json']);

    expect(code).toBe(EXIT.compliant);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.taskToken).toBe(TOKEN);
    expect(JSON.parse(out)).toEqual([
      { replicationGroupId: 'orders', decision: 'approved', by: expect.any(String) },
    ]);
    expect(out).not.toContain(TOKEN);
  });

  it('rejects with UpgradeRejected and the reason', async () => {
    dynamo.on(GetCommand).resolves(approval);
    sfn.on(SendTaskFailureCommand).resolves({});

    const { code, out } = await cli(['upgrade', 'reject', 'orders', '--reason', 'clients not on TLS']);

    expect(code).toBe(EXIT.compliant);
    expect(out).toBe('rejected: orders\n');
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({
      taskToken: TOKEN,
      error: UPGRADE_ERRORS.rejected,
      cause: expect.stringContaining('clients not on TLS'),
    });
  });

  it('aborts a running step: the lock marked aborting, StopExecution of the lock holder, then, once it stopped, what that execution held released', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'lease', sk: 'migration#orders' } }).resolves(lockItem);
    dynamo.on(GetCommand, { Key: { pk: 'approval#upgrade', sk: 'orders' } }).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'ABORTED' });

    const { code, out } = await cli(['upgrade', 'abort', 'orders', '--reason', 'wrong window']);

    expect(code).toBe(EXIT.compliant);
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({
      executionArn:
        'arn:aws:states:eu-west-1:123456789012:execution:elasticache-guardrails-prod-durability-upgrade:orders-20261125100000',
      error: UPGRADE_ERRORS.rejected,
      cause: expect.stringContaining('aborted: wrong window'),
    });
    expect(out).toContain('stopped orders-20261125100000');
    // Marked before StopExecution, only while that execution holds it (its holder: a lock taken
    // before locks carried a token is marked too): a step still running sends nothing.
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'lease', sk: 'migration#orders' },
      ExpressionAttributeValues: { ':holder': 'orders-20261125100000', ':d0': 'aborting' },
    });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
    // A stopped execution runs no failure step: the lock, its durability lease and its approval go,
    // each only while that execution still holds it.
    const deletes = dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input);
    expect(deletes).toEqual([
      expect.objectContaining({
        Key: { pk: 'lease', sk: 'migration#orders' },
        ExpressionAttributeValues: { ':holder': 'orders-20261125100000' },
      }),
      expect.objectContaining({
        Key: {
          pk: 'lease#123456789012#eu-west-1',
          sk: 'durability#arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders',
        },
        ExpressionAttributeValues: { ':holder': 'upgrade/orders-20261125100000' },
      }),
      expect.objectContaining({ Key: { pk: 'approval#upgrade', sk: 'orders' } }),
    ]);
  });

  it('aborts with StopExecution when the parked approval was already answered (its token spent)', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'lease', sk: 'migration#orders' } }).resolves(lockItem);
    dynamo.on(GetCommand, { Key: { pk: 'approval#upgrade', sk: 'orders' } }).resolves(approval);
    sfn
      .on(SendTaskFailureCommand)
      .rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut', $fault: 'client' }));
    dynamo.on(UpdateCommand).resolves({});
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'ABORTED' });

    const { code, out } = await cli(['upgrade', 'abort', 'orders', '--reason', 'wrong window']);

    expect(code).toBe(EXIT.compliant);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
    expect(out).toContain('stopped orders-20261125100000');
    const deleted = dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key);
    expect(deleted).toContainEqual({ pk: 'approval#upgrade', sk: 'orders' });
  });

  it('aborts an upgrade a migration handed the lock to whose execution never started: nothing stopped, the lock released', async () => {
    // Prepare: the migration's durability step passed the lock on; StartExecution never went through.
    const handedOver = {
      ...lockItem.Item,
      details: { ...lockItem.Item.details, handedOverBy: 'mig-orders-1' },
    };
    dynamo.on(GetCommand, { Key: { pk: 'lease', sk: 'migration#orders' } }).resolves({ Item: handedOver });
    dynamo.on(GetCommand, { Key: { pk: 'approval#upgrade', sk: 'orders' } }).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    const missing = 'Execution Does Not Exist: orders-20261125100000';
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error(missing), { name: 'ExecutionDoesNotExist', $fault: 'client' }));

    // Act
    const { code, out } = await cli(['upgrade', 'abort', 'orders', '--reason', 'wrong window']);

    // Assess
    expect(code).toBe(EXIT.compliant);
    expect(out).toContain('orders-20261125100000 was not running (it never started');
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    const deletes = dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input);
    expect(deletes[0]).toMatchObject({
      Key: { pk: 'lease', sk: 'migration#orders' },
      ExpressionAttributeValues: { ':holder': 'orders-20261125100000' },
    });
  });

  it('refuses to abort an execution of the migration that holds the group', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...lockItem.Item, details: {} } });

    const { code, err } = await cli(['upgrade', 'abort', 'orders', '--reason', 'test']);

    expect(code).toBe(EXIT.usage);
    expect(err).toContain('orders is locked by migration orders-20261125100000');
    expect(sfn.calls()).toHaveLength(0);
  });
});
