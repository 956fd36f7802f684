import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { failureAdvice } from '../../../cli/commands/migration.js';
import { EXIT } from '../../../cli/main.js';
import { runSandboxCli } from '../../../infra/local/cli.js';
import { captureIo } from '../../cli-io.js';
import { cli, dynamo, expectStarted, resetStepFunctionsCli, sfn } from './step-functions-cli.js';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAR-real-task-token';
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:elasticache-guardrails-prod-migration';

describe('guardrails migration, against Step Functions', () => {
  beforeEach(resetStepFunctionsCli);

  it('starts an execution with the validated input and a name per group and time', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:orders-1`, startDate: new Date() });

    const started = await cli([
      'migration',
      'start',
      'orders',
      '--state-machine-arn',
      ARN,
      '--source',
      '10.0.12.7:6379',
      '--require-approval',
    ]);

    expectStarted(started, ARN, {
      replicationGroupId: 'orders',
      customerEndpoints: [{ address: '10.0.12.7', port: 6379 }],
      requireApproval: true,
      dryRun: false,
      polling: { sync: { firstWaitSeconds: 60 } },
    });
  });

  it('approves with the parked task token, which it never prints', async () => {
    dynamo.on(GetCommand).resolves({
      Item: {
        pk: 'approval#migration',
        sk: 'orders',
        value: {
          replicationGroupId: 'orders',
          execution: 'orders-1',
          taskToken: TOKEN,
          requestedAt: '2026-11-25T10:00:00Z',
        },
      },
    });
    sfn.on(SendTaskSuccessCommand).resolves({});

    const { code, out } = await cli(['migration', 'approve', 'orders']);

    expect(code).toBe(EXIT.compliant);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.taskToken).toBe(TOKEN);
    expect(out).not.toContain(TOKEN);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('rejects with MigrationRejected and the reason', async () => {
    dynamo.on(GetCommand).resolves({
      Item: {
        pk: 'approval#migration',
        sk: 'orders',
        value: { taskToken: TOKEN, execution: 'orders-1' },
      },
    });
    sfn.on(SendTaskFailureCommand).resolves({});

    const { code } = await cli(['migration', 'reject', 'orders', '--reason', 'sale this week']);

    expect(code).toBe(EXIT.compliant);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({
      taskToken: TOKEN,
      error: 'MigrationRejected',
      cause: expect.stringContaining('sale this week'),
    });
  });

  it('reads the execution from Step Functions with --execution-arn, beside the state table', async () => {
    dynamo.on(GetCommand).resolves({});
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      startDate: new Date('2026-11-25T10:00:00Z'),
      stopDate: new Date('2026-11-25T10:05:00Z'),
      error: 'MigrationRejected',
      output: undefined,
    });

    const execution =
      'arn:aws:states:eu-west-1:123456789012:execution:elasticache-guardrails-prod-migration:orders-1';
    const { code, out } = await cli(['migration', 'status', 'orders', '--execution-arn', execution]);

    expect(code).toBe(EXIT.compliant);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(execution);
    expect(JSON.parse(out)).toMatchObject({
      replicationGroupId: 'orders',
      running: false,
      waitingForApproval: false,
      execution: { status: 'FAILED', error: 'MigrationRejected', stopDate: '2026-11-25T10:05:00.000Z' },
    });
  });

  it('prints status and the start as rows with --format, as every command that prints does', async () => {
    dynamo.on(GetCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:orders-1`, startDate: new Date() });

    const status = await cli(['migration', 'status', 'orders', '--format', 'csv']);
    const start = await cli([
      'migration',
      'start',
      'orders',
      '--source',
      '10.0.0.5:6379',
      '--state-machine-arn',
      ARN,
      '--format',
      'json',
    ]);

    expect(start.err).toBe('');
    expect(status.out.trim().split('\n')).toEqual([
      'replicationGroupId,running,waitingForApproval',
      'orders,no,no',
    ]);
    expect(JSON.parse(start.out)).toEqual([
      {
        replicationGroupId: 'orders',
        execution: expect.stringMatching(/^orders-\d{14}$/),
        status: 'started',
        detail: `${ARN}:orders-1`,
      },
    ]);
  });

  it('reports an AWS refusal as one line with exit 3', async () => {
    sfn.on(StartExecutionCommand).rejects(
      Object.assign(new Error('State Machine Does Not Exist'), {
        name: 'StateMachineDoesNotExist',
        $metadata: {},
      }),
    );

    const { code, err } = await cli([
      'migration',
      'start',
      'orders',
      '--state-machine-arn',
      ARN,
      '--source',
      'cache.internal:6379',
    ]);

    expect(code).toBe(EXIT.aws);
    expect(err).toBe(
      'guardrails: StartExecution failed: StateMachineDoesNotExist: State Machine Does Not Exist\n',
    );
  });
});

describe('guardrails migration start, as shipped', () => {
  beforeEach(() => {
    sfn.reset();
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('STATE_TABLE', 'guardrails-state');
    vi.stubEnv('MIGRATION_STATE_MACHINE_ARN', '');
  });

  it('does not offer --local: only the sandbox entry point runs the state machine in process', async () => {
    const help = await cli(['migration', 'start', '--help']);
    const local = await cli(['migration', 'start', 'orders', '--source', '10.0.0.5:6379', '--local']);
    const sandboxHelp = captureIo();
    await runSandboxCli(['migration', 'start', '--help'], sandboxHelp);

    expect(help.out).toContain('--state-machine-arn');
    expect(help.out).not.toContain('--local');
    expect(local).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("unknown option '--local'"),
    });
    expect(sandboxHelp.out()).toContain('--local');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('asks for the state machine without pointing at a sandbox flag it lacks', async () => {
    const { code, err } = await cli(['migration', 'start', 'orders', '--source', '10.0.0.5:6379']);

    expect(code).toBe(EXIT.usage);
    expect(err).toBe(
      'guardrails: migration start: give --state-machine-arn (or MIGRATION_STATE_MACHINE_ARN)\n',
    );
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('Function: failureAdvice', () => {
  it('tells to act by hand when the abort did not finish', () => {
    const advice = failureAdvice('orders', {
      migration: 'abort did not finish: the group may still be migrating, act by hand',
      restoreFrom: 'orders-premigration-run-1',
    });

    expect(advice).toContain('restore from: snapshot orders-premigration-run-1');
    expect(advice).toContain('aws elasticache complete-migration --replication-group-id orders --force');
  });

  it('points at the status command when no outcome was seen', () => {
    expect(failureAdvice('orders', undefined)).toBe('  next: guardrails migration status orders\n');
  });
});
