import { describe, expect, it } from 'vitest';
import { clip, echo, listProblems } from '../../../shared/runtime/echo.js';

describe('Function: echo', () => {
  it.each([
    ['orders-1', '"orders-1"'],
    [7, '7'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [{ x: 1 }, '{"x":1}'],
    [undefined, 'undefined'],
    ['a\u0000b', '"a\\u0000b"'],
  ])('shows %j as %s', (value, shown) => {
    expect(echo(value)).toBe(shown);
  });

  it('cuts a 10 MB string to 80 characters, an ellipsis and its length', () => {
    // Act
    const shown = echo('x'.repeat(10_000_000));

    // Assess
    expect(shown).toBe(`"${'x'.repeat(79)}… (10000000 chars)`);
  });

  it('cuts a string of escapes (binary input) to 80 characters too', () => {
    // Act
    const shown = echo('\u0000'.repeat(300_000));

    // Assess
    expect(shown.length).toBeLessThan(100);
    expect(shown).toMatch(/… \(300000 chars\)$/);
  });

  it('cuts a large object', () => {
    expect(echo(Array.from({ length: 10_000 }, (_, index) => index))).toMatch(
      /^\[0,1,2,.{60,}… \(\d+ chars\)$/,
    );
  });
});

describe('Function: clip', () => {
  it('leaves short text alone', () => {
    expect(clip('orders-1')).toBe('orders-1');
  });

  it('cuts long text', () => {
    expect(clip('a'.repeat(300_000))).toBe(`${'a'.repeat(80)}… (300000 chars)`);
  });
});

describe('Function: listProblems', () => {
  it('lists the first 10 and counts the rest', () => {
    // Act
    const lines = listProblems(Array.from({ length: 25 }, (_, index) => `problem ${index}`)).split('\n');

    // Assess
    expect(lines).toHaveLength(11);
    expect(lines.at(-1)).toBe('(and 15 more)');
  });
});
