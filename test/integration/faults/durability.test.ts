/**
 * The fault scenarios of the durability job (scheduled scans and reactions), each run against
 * the sandbox with its faults injected, followed by scans until the fleet settles, and held to
 * one end (see settle.ts): every change made once, every event delivered, no false failure.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFleetClients } from '../../../shared/aws/clients.js';
import {
  checkGroup,
  type DurabilityReport,
  scanDurability,
} from '../../../shared/jobs/durability/pipeline.js';
import { REGION, type Stack, startStack } from '../harness.js';
import { DyingStore, RaceStore } from '../lease-stores.js';
import { BETWEEN_RUNS_MS, type Context, runScenario, type Scenario } from './settle.js';

const firstScan = (context: Context) => scanDurability(context.deps('run-1'), context.settings);
const reportsOf = (results: { report?: DurabilityReport }[]) =>
  results.flatMap((result) => (result.report === undefined ? [] : [result.report]));

const SCENARIOS: Scenario[] = [
  {
    name: '30% throttling and 10% 5xx on 30 groups',
    groups: 30,
    faults: (stack) => stack.emulator.faults.configure({ throttleRate: 0.3, serverErrorRate: 0.1, seed: 26 }),
  },
  {
    name: 'one lost answer on ModifyReplicationGroup (applied, then a 503)',
    groups: 2,
    faults: (stack) =>
      stack.emulator.faults.failNext({
        action: 'ModifyReplicationGroup',
        code: 'ServiceUnavailable',
        status: 503,
        times: 1,
        applied: true,
      }),
  },
  {
    name: "two lost answers on ModifyReplicationGroup (one never reached the service, the re-send's connection closed after it applied)",
    groups: 1,
    faults: (stack) => {
      stack.emulator.faults.failNext({
        action: 'ModifyReplicationGroup',
        code: 'InternalFailure',
        status: 500,
        times: 1,
      });
      stack.emulator.faults.failNext({
        action: 'ModifyReplicationGroup',
        code: 'ConnectionClosed',
        status: 0,
        times: 1,
        applied: true,
      });
    },
  },
  {
    name: 'a Lambda dying right after it took the lease',
    groups: 2,
    act: async (context) => {
      const dying = context.deps('run-1', new DyingStore(context.stack.dynamo.endpoint));
      await expect(scanDurability(dying, context.settings)).rejects.toThrow('Task timed out');
      return [];
    },
  },
  {
    name: 'a 6-way lease race: three scans and three reactions at once',
    groups: 3,
    act: async (context) => {
      const scans = [1, 2, 3].map((run) => scanDurability(context.deps(`scan-${run}`), context.settings));
      const reactions = [1, 2, 3].map((run) =>
        checkGroup(context.deps(`react-${run}`), context.settings, context.ids[0] ?? ''),
      );
      return [...(await Promise.all(scans)), ...reportsOf(await Promise.all(reactions))];
    },
  },
  {
    name: 'a stalled endpoint: ModifyReplicationGroup answers after the request timeout',
    groups: 2,
    act: async (context) => {
      const { emulator } = context.stack;
      emulator.faults.configure({ latencyMs: { ModifyReplicationGroup: 1500 } });
      const clients = createFleetClients({
        endpoint: emulator.endpoint,
        region: REGION,
        maxAttempts: 3,
        timeouts: { connectMs: 300, requestMs: 300 },
      });
      const report = await scanDurability({ ...context.deps('run-1'), clients }, context.settings);
      emulator.faults.configure({ latencyMs: {} });
      // The stalled requests are served once their delay is over.
      await vi.waitFor(
        () =>
          expect(context.ids.map((id) => emulator.model.groups.get(id)?.durability)).toEqual(
            context.ids.map(() => 'sync'),
          ),
        { timeout: 10_000, interval: 100 },
      );
      return [report];
    },
  },
  {
    name: '30% 5xx with a snapshot before each change',
    groups: 10,
    snapshotBeforeChange: true,
    faults: (stack) => stack.emulator.faults.configure({ serverErrorRate: 0.3, seed: 9 }),
  },
  {
    name: '300 ms latency on every call and 20% 5xx',
    groups: 10,
    faults: (stack) =>
      stack.emulator.faults.configure({ latencyMs: { '*': 300 }, serverErrorRate: 0.2, seed: 10 }),
  },
  {
    name: 'PutEvents throttled in the scan: all of the first run, then 30%',
    groups: 5,
    act: async (context) => {
      const { faults } = context.stack.emulator;
      faults.configure({ throttleRates: { PutEvents: 1 } });
      const report = await firstScan(context);
      faults.configure({ throttleRates: { PutEvents: 0.3 }, seed: 12 });
      return [report];
    },
  },
  {
    name: 'a throttled engine-version read: every DescribeCacheClusters of the first run, then 30%',
    groups: 5,
    act: async (context) => {
      const { faults } = context.stack.emulator;
      faults.configure({ throttleRates: { DescribeCacheClusters: 1 } });
      const report = await firstScan(context);
      faults.configure({ throttleRates: { DescribeCacheClusters: 0.3 }, seed: 14 });
      return [report];
    },
  },
  {
    name: 'a race at verification: six reactions see the landed change at once',
    groups: 2,
    act: async (context) => {
      const requested = await firstScan(context);
      context.stack.emulator.clock.advance(BETWEEN_RUNS_MS);
      const store = new RaceStore(6, 'releaseLease', context.stack.dynamo.endpoint);
      const reactions = await Promise.all(
        Array.from({ length: 6 }, (_, run) =>
          checkGroup(context.deps(`react-${run}`, store), context.settings, context.ids[0] ?? ''),
        ),
      );
      return [requested, ...reportsOf(reactions)];
    },
  },
];

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

describe('Fault scenarios: the durability job settles with every change made once', () => {
  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    '%s',
    (_, scenario) => runScenario(stack, scenario),
    120_000,
  );
});
