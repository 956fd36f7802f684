import { describe, expect, it } from 'vitest';
import { narration, wrapLine } from '../../infra/local/demo/narration.js';

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe('the demo narration in a terminal', () => {
  const long =
    '   now (encrypted-at-rest: 36 compliant, 9 violation, 3 unknown; prod-durability: 15 violation, 3 compliant, 2 unknown); the job changes Durability in place';

  it('wraps a line wider than the terminal at spaces, continuations four columns deeper', () => {
    const wrapped = wrapLine(long, 60).split('\n');

    expect(wrapped.length).toBeGreaterThan(2);
    for (const line of wrapped) expect(line.length).toBeLessThanOrEqual(60);
    expect(wrapped[0]?.startsWith('   now (')).toBe(true);
    for (const line of wrapped.slice(1)) expect(line).toMatch(/^ {7}\S/);
    expect(words(wrapped.join(' '))).toEqual(words(long));
  });

  it('keeps a table row whose columns are padded with runs of spaces', () => {
    const row = `   violation auth-00005         prod-durability   staged: 3 steps`;

    expect(wrapLine(row, 200)).toBe(row);
    expect(wrapLine(row, 48).split('\n')).toEqual([
      '   violation auth-00005         prod-durability',
      '       staged: 3 steps',
    ]);
  });

  it('leaves piped output (no width) and a word wider than the terminal whole', () => {
    expect(wrapLine(long, undefined)).toBe(long);
    expect(wrapLine(`   ${'x'.repeat(50)} y`, 20)).toBe(`   ${'x'.repeat(50)}\n       y`);
  });

  it('never wraps the $ command, so it stays one line to copy', () => {
    const printed: string[] = [];
    const demo = narration((text) => printed.push(text), 40);

    demo.say('A chapter heading that is longer than forty columns');
    demo.line('a sentence that is longer than forty columns by a few words');
    demo.reproduce(['plan', '--policy', '.sandbox/policy.yaml', '--resource', 'orders-migrated']);

    expect(
      printed[0]
        ?.split('\n')
        .slice(1)
        .every((line) => line.length <= 40),
    ).toBe(true);
    expect(printed[1]?.split('\n').every((line) => line.length <= 40)).toBe(true);
    expect(printed[2]).toBe(
      '   $ npm start -- --after 1 plan --policy .sandbox/policy.yaml --resource orders-migrated',
    );
  });
});
