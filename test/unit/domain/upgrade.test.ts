import { describe, expect, it } from 'vitest';
import {
  engineVersionOf,
  parseUpgradeInput,
  stepSchedule,
} from '../../../shared/domain/durability/upgrade.js';

describe('Function: stepSchedule', () => {
  const schedule = { firstWaitSeconds: 60, maxWaitSeconds: 900, maxAttempts: 30 };

  it('looks first after a third of the expected duration, within the input bounds', () => {
    expect(stepSchedule(schedule, { expectedMinutes: 45 }).firstWaitSeconds).toBe(900);
    expect(stepSchedule(schedule, { expectedMinutes: 30 }).firstWaitSeconds).toBe(600);
    expect(stepSchedule(schedule, { expectedMinutes: 1 }).firstWaitSeconds).toBe(60);
    expect(stepSchedule(schedule, { expectedMinutes: 45 })).toMatchObject({
      maxWaitSeconds: 900,
      maxAttempts: 30,
    });
  });
});

describe('Function: parseUpgradeInput', () => {
  it('fills the defaults and names a bad field', () => {
    const input = parseUpgradeInput({ replicationGroupId: 'orders', target: 'sync' });
    expect(input).toMatchObject({ allow: [], enforce: false, dryRun: false, durabilitySwitch: 'online' });
    // No engine version given: an engine step goes to 9.0, and a group on a later Valkey is no downgrade.
    expect(input.engineVersion).toBeUndefined();
    expect(engineVersionOf(input)).toBe('9.0');
    expect(() => parseUpgradeInput({ replicationGroupId: 'orders', target: 'disabled' })).toThrow(/target/);
    expect(() =>
      parseUpgradeInput({ replicationGroupId: 'orders', target: 'sync', allow: ['reboot'] }),
    ).toThrow(/allow\.0: /);
  });

  it('refuses waits that could outlast the execution', () => {
    expect(() =>
      parseUpgradeInput({ replicationGroupId: 'orders', target: 'sync', approvalTimeoutSeconds: 7 * 86_400 }),
    ).toThrow(/could last \d+ days/);
  });
});
