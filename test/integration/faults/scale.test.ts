/**
 * The fault scenario at scale: 1 000 groups, 30% of every call throttled, held to the same end
 * as the others (see settle.ts). A slow file (vitest.config.ts): it runs alone.
 */
import { afterEach, beforeEach, describe, it } from 'vitest';
import { type Stack, startStack } from '../harness.js';
import { runScenario } from './settle.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

describe('Fault scenarios at scale', () => {
  it('1 000 groups at 30% throttling: 50 changes, each made once', async () => {
    await runScenario(stack, {
      name: '1 000 groups at 30% throttling',
      groups: 50,
      durableGroups: 950,
      faults: (faulty) => faulty.emulator.faults.configure({ throttleRate: 0.3, seed: 1000 }),
    });
  }, 300_000);
});
