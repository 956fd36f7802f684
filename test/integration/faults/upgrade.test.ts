/**
 * The fault scenario of the staged upgrade: PutEvents throttled while the real upgrade ASL runs
 * locally. A clean run of the same upgrade on a twin group is the oracle: the faulty run must
 * send the same mutating requests, each once, announce every step the clean run announced, and
 * end the same way, with no failure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { MUTATING_CALLS } from '../../../shared/aws/mutation.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { STAGED_ACTIONS } from '../../../shared/domain/durability/readiness.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { legacyGroupState, type Stack, startStack, upgradeDepsOf } from '../harness.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

const deps = (): UpgradeDeps => upgradeDepsOf(stack);

/** Run the unattended upgrade of `id`, every approval granted. */
const upgrade = (id: string) =>
  runUpgradeLocally(
    deps(),
    { replicationGroupId: id, target: 'sync', allow: [...STAGED_ACTIONS], enforce: true },
    {
      clock: { advance: (ms: number) => stack.emulator.clock.advance(ms) },
      executionName: `up-${id}`,
      onTaskToken: async () => ({ approved: true, by: 'test' }),
    },
  );

/** The group's mutating requests that reached the service, its id written as `G`: comparable between twins. */
const mutations = (id: string) =>
  stack.emulator.faults.log
    .filter((entry) => MUTATING_CALLS.has(entry.action) && entry.injected !== true)
    .map((entry) => `${entry.action} ${JSON.stringify(entry.params)}`)
    .filter((line) => line.includes(id))
    .map((line) => line.replaceAll(id, 'G'));

/** The group's events, each as `<detail type> <step> <action>`, its id written as `G`. */
const announced = (id: string) =>
  stack.emulator.sinks.events
    .map((event) => ({ detailType: event.detailType, detail: event.detail as Record<string, unknown> }))
    .filter(({ detail }) => JSON.stringify(detail).includes(id))
    .map(({ detailType, detail }) => `${detailType} ${String(detail.step)} ${String(detail.action)}`);

describe('Fault scenarios: the staged upgrade', () => {
  it("PutEvents throttled (50%) through an upgrade: the clean twin's requests, each once, every step announced, no failure", async () => {
    // Prepare: the clean twin first.
    stack.emulator.model.putGroup(legacyGroupState('clean'));
    stack.emulator.model.putGroup(legacyGroupState('faulty'));
    const clean = await upgrade('clean');
    stack.emulator.faults.configure({ throttleRates: { PutEvents: 0.5 }, seed: 13 });

    // Act
    const faulty = await upgrade('faulty');

    // Assess
    const throttled =
      stack.emulator.faults.count('PutEvents') - stack.emulator.faults.count('PutEvents', true);
    expect(throttled).toBeGreaterThan(0);
    expect(faulty.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    expect(clean.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    expect(mutations('faulty')).toEqual(mutations('clean'));
    expect(new Set(announced('faulty'))).toEqual(new Set(announced('clean')));
    expect(announced('faulty').filter((line) => line.startsWith(DETAIL_TYPES.remediationFailed))).toEqual([]);
    if (process.env.FAULT_SCENARIO_REPORT !== undefined)
      process.stdout.write(
        `${JSON.stringify({ throttled, mutations: mutations('faulty').length, events: announced('faulty').length, clean: announced('clean').length })}\n`,
      );
  }, 120_000);
});
