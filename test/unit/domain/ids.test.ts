import { describe, expect, it } from 'vitest';
import { parseUpgradeInput } from '../../../shared/domain/durability/upgrade.js';
import { checkId, idProblem } from '../../../shared/domain/ids.js';
import { parseMigrationInput } from '../../../shared/domain/migration/index.js';

describe('Function: idProblem', () => {
  it.each(['a', 'orders', 'Orders-1', 'a1-b2-c3', 'a'.repeat(40)])(
    'takes the replication group id %s',
    (id) => {
      expect(idProblem('replication group id', id)).toBeUndefined();
    },
  );

  it.each([
    ['', 'must have 1 to 40 characters (has 0)'],
    ['a'.repeat(41), 'must have 1 to 40 characters (has 41)'],
    ['1orders', 'must start with a letter'],
    ['-orders', 'must start with a letter'],
    ['orders--1', 'must not hold two hyphens in a row'],
    ['orders-', 'must not end with a hyphen'],
    ['../../etc/passwd', 'must hold only letters, digits and hyphens'],
    ['orders_1', 'must hold only letters, digits and hyphens'],
  ])('refuses the replication group id %j: %s', (id, problem) => {
    expect(idProblem('replication group id', id)).toBe(problem);
  });

  it.each([
    ['arn:aws:states:eu-west-1:123456789012:stateMachine:guardrails-upgrade', 'state machine ARN'],
    ['arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:m:orders-20261125100000', 'execution ARN'],
  ] as const)('takes %s as a %s', (arn, rule) => {
    expect(idProblem(rule, arn)).toBeUndefined();
  });

  it.each([
    ['arn:aws:states:eu-west-1:123456789012:execution:m:e', 'state machine ARN', /^expected arn:aws:states/],
    ['arn:aws:states:eu-wset-1:123456789012:stateMachine:m', 'state machine ARN', /did you mean eu-west-1/],
    ['arn:aws:states:eu-west-1:1234:stateMachine:m', 'state machine ARN', /^expected/],
    ['arn:aws:states:eu-west-1:123456789012:execution:m:a b', 'execution ARN', /letters, digits, hyphens/],
    [`arn:aws:states:eu-west-1:123456789012:execution:m:${'e'.repeat(81)}`, 'execution ARN', /1 to 80/],
    ['ab', 'table name', /3 to 255/],
    ['../x', 'table name', /3 to 255/],
    [' ', 'reason', /must not be empty/],
    ['r'.repeat(257), 'reason', /at most 256/],
    ['line\nbreak', 'reason', /control characters/],
  ] as const)('refuses %j as a %s', (value, rule, problem) => {
    expect(idProblem(rule, value)).toMatch(problem);
  });
});

describe('Function: checkId', () => {
  it('names the field and the value, cut to a line', () => {
    expect(() => checkId('replication group id', 'x'.repeat(10_240), '<replication-group-id>')).toThrow(
      /^<replication-group-id> "x{20,}… \(10240 chars\): must have 1 to 40 characters \(has 10240\)$/,
    );
  });
});

describe('The workflow inputs', () => {
  it.each([
    ['upgrade', () => parseUpgradeInput({ replicationGroupId: 'orders--1', target: 'sync' })],
    [
      'migration',
      () =>
        parseMigrationInput({
          replicationGroupId: 'orders-',
          customerEndpoints: [{ address: '10.0.0.5', port: 6379 }],
        }),
    ],
  ])('the %s input holds replicationGroupId to the API rule', (_name, parse) => {
    expect(parse).toThrow(/replicationGroupId: must not/);
  });
});
