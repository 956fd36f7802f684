import { describe, expect, it } from 'vitest';
import { snapshotName } from '../../../shared/domain/snapshot-name.js';

describe('Function: snapshotName', () => {
  it('names the group and the UTC time to the millisecond', () => {
    expect(snapshotName('orders', new Date('2026-11-25T10:30:00.123Z'))).toBe(
      'guardrails-orders-20261125103000123',
    );
  });

  it('gives two snapshots of a group in the same second different names', () => {
    const first = snapshotName('orders', new Date('2026-11-25T10:30:00.001Z'));
    const second = snapshotName('orders', new Date('2026-11-25T10:30:00.002Z'));

    expect(first).not.toBe(second);
    expect([second, first].sort()).toEqual([first, second]);
  });
});
