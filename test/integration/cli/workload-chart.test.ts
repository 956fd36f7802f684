/**
 * The workload chart of `guardrails plan --format html` in headless Chromium: the sandbox's
 * CloudWatch gives a four-shard group's primaries 120, 80 and 5 MiB/s and one nothing; a
 * screenshot of the page shows the 100 MiB/s line across the chart and one bar per primary,
 * each in its verdict's colour.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_COLOURS } from '../../../cli/workload-chart.js';
import { groupState, type Stack, startStack } from '../harness.js';
import { linesOf, near, renderPlanPage } from './chart-page.js';
import { CHROMIUM } from './chromium.js';

const POLICY = `version: 1
rules:
  - name: durable
    match: { ids: [orders] }
    durability: { minimum: async, set: sync }
`;
const MIB = 1024 * 1024;
/** Each shard primary's steady write MiB/s; the fourth publishes nothing. */
const RATES = [120, 80, 5];

/** The runs (10 pixels or wider) of any of `colours` along row `y`: one per bar the row crosses. */
function barsAlong(png: PNG, y: number, colours: readonly string[]): string[] {
  const runs: { colour: string; width: number }[] = [];
  for (let x = 0; x < png.width; x += 1) {
    const colour = colours.find((hex) => near(png, x, y, hex));
    const last = runs.at(-1);
    if (colour !== undefined && last?.colour === colour) last.width += 1;
    else if (colour !== undefined) runs.push({ colour, width: 1 });
    else if (last !== undefined && last.colour !== '') runs.push({ colour: '', width: 0 });
  }
  return runs.filter((run) => run.width >= 10).map((run) => run.colour);
}

/** The lowest row holding `hex`: a bar's foot. */
function footOf(png: PNG, hex: string): number {
  for (let y = png.height - 1; y >= 0; y -= 1)
    for (let x = 0; x < png.width; x += 1) if (near(png, x, y, hex)) return y;
  return -1;
}

describe.runIf(CHROMIUM !== undefined)('Workload chart of the plan in headless Chromium', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    stack = await startStack();
    Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
    const { model, sinks } = stack.emulator;
    const group = groupState('orders', { shards: 4, replicas: 1 });
    model.putGroup(group);
    model.memberIds(group).forEach(([primary], shard) => {
      const rate = RATES[shard];
      if (primary === undefined || rate === undefined) return;
      // ReplicationBytes: what the primary sends its one replica each minute.
      sinks.metrics.put(
        { cacheClusterId: primary, cacheNodeId: '0001' },
        'ReplicationBytes',
        rate * MIB * 60,
      );
    });
    dir = mkdtempSync(join(tmpdir(), 'guardrails-chart-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
  });
  afterAll(() => stack.close());

  it('draws the 100 MiB/s line across and one bar per primary in its verdict colour', async () => {
    // Act
    const { code, html, png } = await renderPlanPage(stack, dir);

    // Assess: one limit line spanning the bars; at their foot a bar per primary.
    expect(code).toBe(0);
    expect(html).toContain('<figcaption>orders (durable): exceeds</figcaption>');
    expect(html).not.toMatch(/<(script|link|img)\b/);
    const limit = linesOf(png, CHART_COLOURS.limit, 4 * 32);
    expect(limit.length).toBeGreaterThan(0);
    expect(Math.max(...limit) - Math.min(...limit)).toBeLessThanOrEqual(3);
    const bars = barsAlong(png, footOf(png, CHART_COLOURS.exceeds) - 1, Object.values(CHART_COLOURS));
    expect(bars).toEqual([
      CHART_COLOURS.exceeds,
      CHART_COLOURS.atRisk,
      CHART_COLOURS.fits,
      CHART_COLOURS.noData,
    ]);
  });
});
