/**
 * A group's write load per shard primary against the 100 MiB/s a durable primary takes: an
 * inline SVG (no script, no external resource) for the HTML pages of `plan` and the soak.
 */
import type { GroupPlan } from '../shared/domain/durability/fleet-plan.js';
import type { PrimaryLoad } from '../shared/domain/durability/workload.js';
import { DURABLE_WRITE_MIBS_PER_PRIMARY } from '../shared/domain/durability/workload-fit.js';
import { escapeHtml } from './html-groups.js';
import { LIMIT_COLOUR, referenceLine } from './svg.js';

/** What the chart draws besides the bars: the durability limit and the policy's headroom. */
export interface ChartLimits {
  /** Write MiB/s one durable primary takes (the user guide: up to 100 MiB/s per primary node). */
  limitMiBs: number;
  /** The share of the limit a plan keeps free (0.7: bars above 70 MiB/s are at risk). */
  headroom: number;
}

/** The colours of the chart, shared with its tests. */
export const CHART_COLOURS = {
  limit: LIMIT_COLOUR,
  headroom: '#ef6c00',
  fits: '#2e7d32',
  atRisk: '#f9a825',
  exceeds: '#6a1b9a',
  noData: '#9e9e9e',
} as const;

const HEIGHT = 160;
const BAR = 22;
const GAP = 10;
const LEFT = 44;
const TOP = 14;

function colourOf(peak: number | undefined, limits: ChartLimits): string {
  if (peak === undefined) return CHART_COLOURS.noData;
  if (peak > limits.limitMiBs) return CHART_COLOURS.exceeds;
  return peak > limits.limitMiBs * limits.headroom ? CHART_COLOURS.atRisk : CHART_COLOURS.fits;
}

/**
 * One bar per shard primary, its height the primary's peak write MiB/s, under a solid line at
 * the limit and a dashed one at the headroom; a primary without data is a short grey bar.
 *
 * @example
 * workloadChart('orders', [{ shardId: '0001', cacheClusterId: 'orders-0001-001', peakWriteMiBs: 120 }],
 *   { limitMiBs: 100, headroom: 0.7 });
 */
export function workloadChart(group: string, primaries: readonly PrimaryLoad[], limits: ChartLimits): string {
  const peaks = primaries.map((primary) => primary.peakWriteMiBs ?? 0);
  const top = Math.max(limits.limitMiBs * 1.25, ...peaks.map((peak) => peak * 1.1));
  const y = (value: number) => TOP + HEIGHT - (Math.min(value, top) / top) * HEIGHT;
  const width = LEFT + primaries.length * (BAR + GAP) + GAP + 150;
  const bars = primaries.map((primary, index) => {
    const x = LEFT + GAP + index * (BAR + GAP);
    const peak = primary.peakWriteMiBs;
    const drawn = peak === undefined ? top * 0.03 : Math.max(peak, top * 0.01);
    const said = peak === undefined ? 'no data' : `${peak.toFixed(1)} MiB/s`;
    return `<rect x="${x}" y="${y(drawn).toFixed(1)}" width="${BAR}" height="${(TOP + HEIGHT - y(drawn)).toFixed(1)}" fill="${colourOf(peak, limits)}"><title>shard ${escapeHtml(primary.shardId)} (${escapeHtml(primary.cacheClusterId)}): ${said}</title></rect>`;
  });
  const line = (value: number, colour: string, label: string, dashed = false) =>
    referenceLine({ from: LEFT, to: width - 150, y: y(value), colour, label, dashed });
  return [
    `<svg class="workload" role="img" aria-label="${escapeHtml(group)}: peak write MiB/s per shard primary" width="${width}" height="${TOP + HEIGHT + 20}" viewBox="0 0 ${width} ${TOP + HEIGHT + 20}">`,
    `<text x="0" y="${TOP + 4}">${Math.round(top)}</text><text x="0" y="${TOP + HEIGHT}">0</text>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + HEIGHT}" stroke="#555"/>`,
    ...bars,
    line(limits.limitMiBs, CHART_COLOURS.limit, `${limits.limitMiBs} MiB/s limit`),
    line(
      limits.limitMiBs * limits.headroom,
      CHART_COLOURS.headroom,
      `${Math.round(limits.limitMiBs * limits.headroom)} MiB/s headroom`,
      true,
    ),
    `<text x="${LEFT}" y="${TOP + HEIGHT + 16}">one bar per shard primary: peak write MiB/s</text>`,
    '</svg>',
  ].join('');
}

/**
 * The plan's figures: one chart per group whose workload was read, captioned with its fit.
 *
 * @example
 * emitOutput({ kind: 'rows', rows, columns, figures: workloadFigures(plans) }, flags, io);
 */
export function workloadFigures(plans: readonly GroupPlan[]): { caption: string; svg: string }[] {
  return plans.flatMap(({ resource, rule, fit, headroom, workload }) =>
    workload === undefined || workload.primaries.length === 0
      ? []
      : [
          {
            caption: `${resource.id} (${rule}): ${fit.verdict}`,
            svg: workloadChart(resource.id, workload.primaries, {
              limitMiBs: DURABLE_WRITE_MIBS_PER_PRIMARY,
              headroom,
            }),
          },
        ],
  );
}
