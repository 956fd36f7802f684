import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main.js';
import { runSandboxCli } from '../../../infra/local/cli.js';
import { captureIo } from '../../cli-io.js';
import { groupState, type Stack, startStack } from '../harness.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  stack.emulator.model.putGroup(groupState('orders'));
  // The sandbox's time jumps: here it is a year and more ahead of the wall clock.
  stack.emulator.clock.freeze(Date.parse('2028-02-29T12:34:56Z'));
});

afterAll(() => stack.close());

describe('Snapshot names on the sandbox clock', () => {
  it('names a snapshot with the sandbox time in the sandbox CLI, and the wall clock in the shipped one', async () => {
    const create = async (run: typeof runCli) => {
      const io = captureIo();
      await run(['snapshot', 'create', 'orders', '--endpoint-url', stack.emulator.endpoint], io);
      return io.out().split(' ')[0] ?? '';
    };

    const sandbox = await create(runSandboxCli);
    stack.emulator.clock.advance(60_000); // the first snapshot finishes
    const shipped = await create(runCli);

    expect(sandbox).toMatch(/^guardrails-orders-20280229123456\d{3}$/);
    expect(shipped).toMatch(new RegExp(`^guardrails-orders-${new Date().getUTCFullYear()}`));
  });
});
