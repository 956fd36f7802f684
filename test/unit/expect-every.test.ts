import { describe, expect, it } from 'vitest';
import { expectEvery } from '../expect-every.js';

describe('Function: expectEvery', () => {
  it('fails on an empty list, which `every` would let pass', () => {
    // Act and Assess
    expect([].every(() => false)).toBe(true);
    expect(() => expectEvery([], () => true, 'findings')).toThrow(
      /findings: expectEvery over an empty list checks nothing/,
    );
  });

  it('fails naming the elements whose predicate is false', () => {
    // Act and Assess
    expect(() => expectEvery(['a:1', 'b:2', 'a:3'], (item) => item.startsWith('a'), 'arns')).toThrow(
      /arns: elements that fail the check/,
    );
    expect(() => expectEvery(['a:1', 'b:2'], (item) => item.startsWith('a'))).toThrow(/b:2/);
  });

  it('fails when an expectation inside the check fails', () => {
    // Act and Assess
    expect(() =>
      expectEvery([1, 2, 3], (n) => {
        expect(n).toBeLessThan(3);
      }),
    ).toThrow(/expected 3 to be less than 3/);
  });

  it('passes when every element passes, with predicates and expectations alike', () => {
    // Act and Assess
    expectEvery([1, 2, 3], (n) => n > 0);
    expectEvery(new Set(['x']), (item) => {
      expect(item).toBe('x');
    });
  });
});
