import { describe, expect, it } from 'vitest';
import { SOAK_COLOURS, soakChart, soakTable } from '../../../cli/soak-chart.js';
import type { SoakRecord } from '../../../shared/domain/durability/soak-series.js';

const look = (minute: number, reading: object = {}) => ({
  from: `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`,
  to: `2026-12-01T10:${String(minute + 5).padStart(2, '0')}:00.000Z`,
  ...reading,
});

const quiet: SoakRecord = {
  outcome: 'quiet',
  windowSeconds: 900,
  series: [
    look(0, { lagMs: 300 }),
    look(5, { lagMs: 500, writeLatencyMs: 0.4, writeLatencyP99Ms: 0.25 }),
    look(10),
  ],
};

describe('Function: soakChart', () => {
  it('draws the rule’s latency budget only when it has one, and the step back only when one was sent', () => {
    // Act
    const plain = soakChart('orders', quiet);
    const budgeted = soakChart('orders', {
      ...quiet,
      outcome: 'stepped-back',
      maxWriteLatencyMs: 2,
      steppedBackAt: '2026-12-01T10:15:00.000Z',
    });

    // Assess
    expect(plain).not.toContain(SOAK_COLOURS.budget);
    expect(plain).not.toContain(SOAK_COLOURS.stepBack);
    expect(plain).toContain(`stroke="${SOAK_COLOURS.latencyP99}"`);
    expect(budgeted).toContain('2 ms budget');
    expect(budgeted).toContain(`stroke="${SOAK_COLOURS.stepBack}"`);
  });

  it('breaks the lag line at a look without data and marks only the looks that rejected or throttled writes', () => {
    // Act
    const svg = soakChart('orders', {
      ...quiet,
      series: [look(0, { lagMs: 300 }), look(5), look(10, { lagMs: 9000, bufferExceeded: 3 })],
    });

    // Assess: two moves (M), one per stretch with data; one mark, with its numbers.
    const lag =
      svg.match(new RegExp(`<path d="([^"]*)" fill="none" stroke="${SOAK_COLOURS.lag}"`))?.[1] ?? '';
    expect(lag.match(/M/g)).toHaveLength(2);
    expect(svg.match(new RegExp(`fill="${SOAK_COLOURS.rejected}"><title>`, 'g'))).toHaveLength(1);
    expect(svg).toContain('DurabilityBufferExceededErrorCount 3');
    expect(svg).not.toMatch(new RegExp(`fill="${SOAK_COLOURS.throttled}"><title>`));
  });
});

describe('Function: soakTable', () => {
  it('gives one row per look with its numbers, "no data" where a metric had none, and escapes the group', () => {
    // Act
    const table = soakTable('<b>', { ...quiet, steppedBackAt: '2026-12-01T10:15:00.000Z' });

    // Assess
    expect(table).toContain('<caption>&#60;b&#62;: the soak&#39;s looks</caption>');
    const rows = [...table.matchAll(/<tr><td>(.*?)<\/tr>/g)].map(([row]) => row.replace(/<[^>]+>/g, '|'));
    expect(rows).toEqual([
      '||2026-12-01 10:00||2026-12-01 10:05||0.3||no data||no data||no data||no data||',
      '||2026-12-01 10:05||2026-12-01 10:10||0.5||no data||no data||0.25||0.4||',
      '||2026-12-01 10:10||2026-12-01 10:15||no data||no data||no data||no data||no data||',
    ]);
    expect(table).toContain('step back to async sent at 2026-12-01T10:15:00.000Z');
  });
});
