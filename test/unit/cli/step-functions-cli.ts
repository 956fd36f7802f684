/**
 * What the tests of the shipped CLI against Step Functions share: the mocked Step Functions
 * and state-table clients, dummy credentials and region, and the CLI run in process.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { expect, vi } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { captureIo } from '../../cli-io.js';

export const sfn = mockClient(SFNClient);
export const dynamo = mockClient(DynamoDBDocumentClient);

/** Run the shipped CLI; what it wrote and its exit code. */
export async function cli(args: string[]) {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** Reset both mocks and give the CLI a region, dummy credentials and the state table. */
export function resetStepFunctionsCli(): void {
  sfn.reset();
  dynamo.reset();
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('STATE_TABLE', 'guardrails-state');
}

/**
 * Assert that the CLI printed the started execution of `stateMachineArn` and sent it a name
 * per group and time (`orders-<UTC to the second>`) and an input matching `input`.
 */
export function expectStarted(result: { code: number; out: string }, stateMachineArn: string, input: object) {
  const sent = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
  expect(result).toMatchObject({ code: EXIT.compliant, out: `started ${stateMachineArn}:orders-1\n` });
  expect(sent).toMatchObject({ stateMachineArn, name: expect.stringMatching(/^orders-\d{14}$/) });
  expect(JSON.parse(sent?.input ?? '{}')).toMatchObject(input);
}
