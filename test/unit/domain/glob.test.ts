import { describe, expect, it } from 'vitest';
import { compileGlob, GlobError } from '../../../shared/domain/glob.js';

describe('Function: compileGlob', () => {
  describe('Method: test', () => {
    it.each([
      ['orders-*', 'orders-1', true],
      ['orders-*', 'orders-', true],
      ['orders-*', 'order-1', false],
      ['*-1', 'cart-1', true],
      ['orders-?', 'orders-12', false],
      ['orders-?', 'orders-1', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'axxbyy', false],
      ['*', '', true],
      ['**a', 'ba', true],
      ['orders-[12]', 'orders-2', true],
      ['orders-[12]', 'orders-3', false],
      ['orders-[0-9]', 'orders-7', true],
      ['orders-[!0-9]', 'orders-7', false],
      ['orders-[!0-9]', 'orders-x', true],
      ['[-a]', '-', true],
      ['a]', 'a]', true],
      ['a.b', 'axb', false],
      ['(a|b)+', '(a|b)+', true],
      ['ü?', 'üé', true],
    ])('%s against %j is %s', (pattern, text, expected) => {
      // Act
      const matched = compileGlob(pattern).test(text);

      // Assess
      expect(matched).toBe(expected);
    });

    it('matches a pathological pattern against a 10 000-character id in at most (n+1)·(m+1) steps', () => {
      // Prepare: backtracking regular expressions take exponential time on this.
      const pattern = `${'*a'.repeat(20)}*!`;
      const id = 'a'.repeat(10_000);
      const glob = compileGlob(pattern);
      const work = { steps: 0 };

      // Act
      const matched = glob.test(id, work);

      // Assess
      expect(matched).toBe(false);
      expect(work.steps).toBeGreaterThan(0);
      expect(work.steps).toBeLessThanOrEqual((id.length + 1) * (pattern.length + 1));
    });

    it('matches a literal id in one pass', () => {
      // Prepare
      const work = { steps: 0 };

      // Act
      compileGlob('orders-1').test('orders-1', work);

      // Assess
      expect(work.steps).toBe('orders-1'.length);
    });
  });

  it.each([
    ['orders-[', /"\[" at position 8 is never closed/],
    ['orders-[12', /"\[" at position 8 is never closed/],
    ['a[]', /empty character class at position 2/],
    ['a[!]', /empty character class at position 2/],
    ['[z-a]', /range "z-a" at position 2 is reversed/],
  ])('refuses %j', (pattern, message) => {
    // Act & Assess
    expect(() => compileGlob(pattern)).toThrow(GlobError);
    expect(() => compileGlob(pattern)).toThrow(message);
  });
});
