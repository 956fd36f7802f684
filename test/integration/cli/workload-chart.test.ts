/**
 * The workload chart in headless Chromium: a screenshot shows the 100 MiB/s line across the
 * chart and one bar per shard primary, each in its verdict's colour.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CHART_COLOURS, workloadChart } from '../../../cli/workload-chart.js';
import type { PrimaryLoad } from '../../../shared/domain/durability/workload.js';
import { CHROMIUM, chromium } from './chromium.js';

const near = (png: PNG, x: number, y: number, hex: string) => {
  const at = (y * png.width + x) * 4;
  const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  return (
    Math.abs((png.data[at] ?? 0) - (r ?? 0)) +
      Math.abs((png.data[at + 1] ?? 0) - (g ?? 0)) +
      Math.abs((png.data[at + 2] ?? 0) - (b ?? 0)) <
    40
  );
};

/** Rows where `hex` runs unbroken over at least `length` pixels. */
function linesOf(png: PNG, hex: string, length: number): number[] {
  const rows: number[] = [];
  for (let y = 0; y < png.height; y += 1) {
    let run = 0;
    let longest = 0;
    for (let x = 0; x < png.width; x += 1) {
      run = near(png, x, y, hex) ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    if (longest >= length) rows.push(y);
  }
  return rows;
}

/** The runs (10 pixels or wider) of any of `colours` along row `y`: one per bar the row crosses. */
function barsAlong(png: PNG, y: number, colours: readonly string[]): string[] {
  const runs: { colour: string; width: number }[] = [];
  for (let x = 0; x < png.width; x += 1) {
    const colour = colours.find((hex) => near(png, x, y, hex));
    const last = runs.at(-1);
    if (colour !== undefined && last?.colour === colour && last.width >= 0) last.width += 1;
    else if (colour !== undefined) runs.push({ colour, width: 1 });
    else if (last !== undefined && last.width > 0) runs.push({ colour: '', width: -1 });
  }
  return runs.filter((run) => run.width >= 10).map((run) => run.colour);
}

/** The lowest row holding `hex`: a bar's foot. */
function footOf(png: PNG, hex: string): number {
  for (let y = png.height - 1; y >= 0; y -= 1)
    for (let x = 0; x < png.width; x += 1) if (near(png, x, y, hex)) return y;
  return -1;
}

const primary = (shard: number, peak?: number): PrimaryLoad => ({
  shardId: `000${shard}`,
  cacheClusterId: `orders-000${shard}-001`,
  peakWriteMiBs: peak,
});

describe.runIf(CHROMIUM !== undefined)('Workload chart in headless Chromium', () => {
  it('draws the 100 MiB/s line across and one bar per primary in its verdict colour', async () => {
    // Prepare: a group of four primaries, one over the limit, one at risk, one fitting, one without data.
    const dir = mkdtempSync(join(tmpdir(), 'guardrails-chart-'));
    const primaries = [primary(1, 120), primary(2, 80), primary(3, 5), primary(4)];
    const svg = workloadChart('orders', primaries, { limitMiBs: 100, headroom: 0.7 });
    writeFileSync(
      join(dir, 'chart.html'),
      `<!doctype html><body style="margin:0;background:#fff">${svg}</body>`,
    );
    const screenshot = join(dir, 'chart.png');

    // Act
    await chromium(dir, `--screenshot=${screenshot}`, `file://${join(dir, 'chart.html')}`);

    // Assess: one limit line spanning the bars, above the headroom line; a bar per primary at the foot.
    const png = PNG.sync.read(readFileSync(screenshot));
    const span = primaries.length * 32;
    const limit = linesOf(png, CHART_COLOURS.limit, span);
    expect(limit.length).toBeGreaterThan(0);
    expect(limit.length).toBeLessThanOrEqual(3);
    const foot = footOf(png, CHART_COLOURS.exceeds) - 1;
    const bars = barsAlong(png, foot, Object.values(CHART_COLOURS));
    expect(bars).toEqual([
      CHART_COLOURS.exceeds,
      CHART_COLOURS.atRisk,
      CHART_COLOURS.fits,
      CHART_COLOURS.noData,
    ]);
    expect(readFileSync(join(dir, 'chart.html'), 'utf8')).not.toMatch(/<(script|link|img)\b/);
  });
});
