import { expect } from 'vitest';

/**
 * Assert `check` for every element of `list`, and that `list` has at least one: `every` over an
 * empty list is true, so `expect(list.every(...)).toBe(true)` passes when nothing was checked.
 * `check` returns a boolean (false: the element fails), or returns nothing and asserts with
 * `expect` itself; so a predicate must not return undefined for a failure (`x?.y === true`, not
 * `x?.y`). A failure names the elements that failed (`what` says which list, as in `expect(value, what)`).
 *
 * @example
 * expectEvery(findings, (finding) => finding.arn.includes(':eu-west-1:'), 'findings of eu-west-1');
 */
export function expectEvery<T>(
  list: Iterable<T>,
  check: (element: T, index: number) => unknown,
  what = 'list',
): void {
  const elements = [...list];
  expect(elements.length, `${what}: expectEvery over an empty list checks nothing`).toBeGreaterThan(0);
  const failed = elements.filter((element, index) => check(element, index) === false);
  expect(failed, `${what}: elements that fail the check`).toEqual([]);
}
