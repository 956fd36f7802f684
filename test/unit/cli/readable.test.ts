import { describe, expect, it } from 'vitest';
import { readableFields } from '../../../cli/readable.js';

describe('Function: readableFields', () => {
  it('gives fields as name and value, lists with commas, objects in parentheses, no JSON', () => {
    const text = readableFields(
      {
        status: 'dry-run',
        target: 'sync',
        plan: ['set TLS', 'set Durability=sync'],
        snapshot: { name: 'orders-pre', size: 12 },
        notes: [],
        group: undefined,
      },
      ['status'],
    );

    expect(text).toBe('target sync; plan set TLS, set Durability=sync; snapshot (name orders-pre; size 12)');
  });

  it('gives a scalar as it is and nothing for nothing', () => {
    expect(readableFields('RUNNING')).toBe('RUNNING');
    expect(readableFields(undefined)).toBe('');
  });
});
