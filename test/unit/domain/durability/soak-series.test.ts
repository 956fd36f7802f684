import { describe, expect, it } from 'vitest';
import { SOAK_WINDOW_SECONDS } from '../../../../shared/domain/durability/soak.js';
import {
  SOAK_SERIES_MAX_LOOKS,
  type SoakLook,
  soakSeriesSchema,
  withLook,
} from '../../../../shared/domain/durability/soak-series.js';

const START = Date.parse('2026-12-01T00:00:00Z');
const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();

/** The series after `looks` looks of `lookSeconds` each, the reading of each given by `reading`. */
function soak(looks: number, lookSeconds: number, reading: (look: number) => Parameters<typeof withLook>[2]) {
  let series: SoakLook[] = [];
  for (let look = 0; look < looks; look += 1)
    series = withLook(
      series,
      { from: at(look * lookSeconds), to: at((look + 1) * lookSeconds) },
      reading(look),
    );
  return series;
}

describe('Function: withLook', () => {
  it('keeps each look of a 2 h soak at 5 minutes as read', () => {
    // Act
    const series = soak(24, 300, (look) => ({ lagMs: look * 100, trafficManagementActive: false }));

    // Assess
    expect(series).toHaveLength(24);
    expect(series[3]).toEqual({ from: at(900), to: at(1200), lagMs: 300, trafficManagementActive: false });
  });

  it('bounds the longest soak the input allows (24 h, a look a minute) and keeps its whole window and its peaks', () => {
    // Prepare: every number at its longest, one lag peak and one throttled minute in the day.
    const looks = SOAK_WINDOW_SECONDS.max / 60;
    const reading = (look: number) => ({
      lagMs: look === 700 ? 9999.123456789 : 1234.56789,
      bufferExceeded: 1,
      trafficManagementActive: look === 1201,
      writeLatencyMs: 12.3456789,
      writeLatencyP99Ms: 9.87654321,
    });

    // Act
    const series = soak(looks, 60, reading);

    // Assess
    expect(looks).toBe(1440);
    expect(series.length).toBeLessThanOrEqual(SOAK_SERIES_MAX_LOOKS);
    expect(soakSeriesSchema.safeParse(series).success).toBe(true);
    expect(series[0]?.from).toBe(at(0));
    expect(series.at(-1)?.to).toBe(at(SOAK_WINDOW_SECONDS.max));
    expect(series.slice(1).every((look, index) => look.from === series[index]?.to)).toBe(true);
    expect(Math.max(...series.map((look) => look.lagMs ?? 0))).toBe(9999.123456789);
    expect(series.filter((look) => look.trafficManagementActive)).toHaveLength(1);
    expect(series.reduce((sum, look) => sum + (look.bufferExceeded ?? 0), 0)).toBe(looks);
    // The series, in the execution state and the outcome event, stays far under 256 KiB.
    expect(JSON.stringify(series).length).toBeLessThan(24 * 1024);
  });
});
