/**
 * A group's last soak (the state table's `RECORD_KINDS.lastSoak`) as an inline SVG for the HTML
 * page of `plan` (no script, no external resource), with the same numbers in a table beside it:
 * `DurabilityLag` per look against the 10 s at which the primary rejects writes and the 80 % at
 * which the soak acts, write latency (maximum and p99) against the rule's budget, a mark over each look with
 * rejected (buffer-exceeded) or throttled writes, and the step back to async.
 */
import type { GroupPlan } from '../shared/domain/durability/fleet-plan.js';
import { SOAK_THRESHOLDS } from '../shared/domain/durability/soak.js';
import type { SoakLook, SoakRecord, SoakRun } from '../shared/domain/durability/soak-series.js';
import { escapeHtml } from './html-groups.js';
import { LIMIT_COLOUR, referenceLine } from './svg.js';

/** The colours of the soak chart, shared with its tests. */
export const SOAK_COLOURS = {
  lag: '#1565c0',
  alert: '#d81b60',
  limit: LIMIT_COLOUR,
  latency: '#00838f',
  latencyP99: '#4527a0',
  budget: '#8d6e63',
  rejected: '#212121',
  throttled: '#ffb300',
  stepBack: '#00c853',
} as const;

const LEFT = 48;
const PLOT = 440;
const TOP = 32;
const LAG_HEIGHT = 120;
const LATENCY_TOP = TOP + LAG_HEIGHT + 28;
const LATENCY_HEIGHT = 60;
const LABELS = 150;

type Scale = (value: number) => number;

/** A step line: each look's value held over its window, joined where windows meet, broken where a look has no value. */
function stepPath(
  looks: readonly SoakLook[],
  value: (look: SoakLook) => number | undefined,
  x: Scale,
  y: Scale,
) {
  let path = '';
  let open = false;
  for (const [index, look] of looks.entries()) {
    const read = value(look);
    if (read === undefined) {
      open = false;
      continue;
    }
    const [from, at, to] = [x(Date.parse(look.from)), y(read), x(Date.parse(look.to))].map((n) =>
      n.toFixed(1),
    );
    const joined = open && looks[index - 1]?.to === look.from;
    path += joined ? `V${at}H${to}` : `M${from} ${at}H${to}`;
    open = true;
  }
  return path;
}

/** A reference line across the plot at `y`, labelled at its right end. */
const level = (y: number, colour: string, label: string, dashed = false) =>
  referenceLine({ from: LEFT, to: LEFT + PLOT, y, colour, label, dashed, crisp: true });

/** Marks over the looks that rejected writes (black) or throttled them (amber). */
function marks(looks: readonly SoakLook[], x: Scale): string[] {
  return looks.flatMap((look) => {
    const middle = (x(Date.parse(look.from)) + x(Date.parse(look.to))) / 2;
    const mark = (row: number, colour: string, said: string) =>
      `<rect x="${(middle - 5).toFixed(1)}" y="${TOP - 28 + row * 13}" width="10" height="9" fill="${colour}"><title>${escapeHtml(`${look.from} to ${look.to}: ${said}`)}</title></rect>`;
    return [
      ...((look.bufferExceeded ?? 0) > 0
        ? [mark(0, SOAK_COLOURS.rejected, `DurabilityBufferExceededErrorCount ${look.bufferExceeded}`)]
        : []),
      ...(look.trafficManagementActive === true
        ? [mark(1, SOAK_COLOURS.throttled, 'TrafficManagementActive 1')]
        : []),
    ];
  });
}

/** The latency panel: each look's highest write latency (maximum and p99) against the rule's budget, when it has one. */
function latencyPanel(soak: SoakRecord, x: Scale): string[] {
  const latencies = soak.series.flatMap((look) => [look.writeLatencyMs ?? 0, look.writeLatencyP99Ms ?? 0]);
  const budget = soak.maxWriteLatencyMs;
  const top = Math.max(1, (budget ?? 0) * 1.25, ...latencies.map((value) => value * 1.1));
  const y: Scale = (value) => LATENCY_TOP + LATENCY_HEIGHT - (Math.min(value, top) / top) * LATENCY_HEIGHT;
  const line = (
    value: (look: SoakLook) => number | undefined,
    colour: string,
    width: number,
    said: string,
  ) => {
    const path = stepPath(soak.series, value, x, y);
    return path === ''
      ? ''
      : `<path d="${path}" fill="none" stroke="${colour}" stroke-width="${width}"><title>${said}</title></path>`;
  };
  return [
    `<text x="0" y="${LATENCY_TOP + 4}">${top.toFixed(1)}</text><text x="0" y="${LATENCY_TOP + LATENCY_HEIGHT}">0 ms</text>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${LATENCY_TOP}" y2="${LATENCY_TOP + LATENCY_HEIGHT}" stroke="#555"/>`,
    ...(budget === undefined ? [] : [level(y(budget), SOAK_COLOURS.budget, `${budget} ms budget`, true)]),
    line((look) => look.writeLatencyMs, SOAK_COLOURS.latency, 3, 'highest write latency per look (ms)'),
    line(
      (look) => look.writeLatencyP99Ms,
      SOAK_COLOURS.latencyP99,
      2,
      'highest 1-minute p99 write latency per look (ms)',
    ),
    `<text x="${LEFT + PLOT + 4}" y="${LATENCY_TOP + LATENCY_HEIGHT - 14}" fill="${SOAK_COLOURS.latency}">write latency max</text>`,
    `<text x="${LEFT + PLOT + 4}" y="${LATENCY_TOP + LATENCY_HEIGHT}" fill="${SOAK_COLOURS.latencyP99}">write latency p99</text>`,
  ];
}

const clock = (iso: string) => `${iso.slice(11, 16)} UTC`;

/**
 * The soak's series: lag per look (a step line) under the 10 s limit and the 80 % line, the
 * latency panel below, marks over looks with rejected or throttled writes, the step back as a
 * vertical line.
 *
 * @example
 * soakChart('orders', { soak: { outcome: 'quiet', series: [{ from, to, lagMs: 900 }] }, … });
 */
export function soakChart(group: string, soak: SoakRecord): string {
  const looks = soak.series;
  const start = Date.parse(looks[0]?.from ?? soak.startedAt ?? '');
  const stepBack = soak.steppedBackAt === undefined ? undefined : Date.parse(soak.steppedBackAt);
  const end = Math.max(start + 60_000, ...looks.map((look) => Date.parse(look.to)), stepBack ?? 0);
  const x: Scale = (time) => LEFT + ((time - start) / (end - start)) * PLOT;
  const lags = looks.flatMap((look) => (look.lagMs === undefined ? [] : [look.lagMs]));
  const top = Math.max(SOAK_THRESHOLDS.rejectLagMs * 1.2, ...lags.map((lag) => lag * 1.1));
  const y: Scale = (lag) => TOP + LAG_HEIGHT - (Math.min(lag, top) / top) * LAG_HEIGHT;
  const path = stepPath(looks, (look) => look.lagMs, x, y);
  const height = LATENCY_TOP + LATENCY_HEIGHT + 22;
  const width = LEFT + PLOT + LABELS;
  const back =
    stepBack === undefined
      ? []
      : [
          `<line x1="${x(stepBack).toFixed(1)}" x2="${x(stepBack).toFixed(1)}" y1="${TOP}" y2="${LATENCY_TOP + LATENCY_HEIGHT}" stroke="${SOAK_COLOURS.stepBack}" stroke-width="3" shape-rendering="crispEdges"><title>step back to async sent ${escapeHtml(soak.steppedBackAt ?? '')}</title></line>`,
          `<text x="${(x(stepBack) - 4).toFixed(1)}" y="${LATENCY_TOP - 10}" text-anchor="end">step back to async</text>`,
        ];
  return [
    `<svg class="soak" role="img" aria-label="${escapeHtml(group)}: the soak's DurabilityLag and write latency per look, with the 10 s limit, the 80 % line and the step back" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<text x="0" y="${TOP + 4}">${(top / 1000).toFixed(0)} s</text><text x="0" y="${TOP + LAG_HEIGHT}">0 s</text>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + LAG_HEIGHT}" stroke="#555"/>`,
    level(y(SOAK_THRESHOLDS.rejectLagMs), SOAK_COLOURS.limit, '10 s: writes rejected'),
    level(y(SOAK_THRESHOLDS.lagMs), SOAK_COLOURS.alert, '8 s: 80 %, the soak acts'),
    path === ''
      ? ''
      : `<path d="${path}" fill="none" stroke="${SOAK_COLOURS.lag}" stroke-width="3" shape-rendering="crispEdges"><title>highest DurabilityLag per look</title></path>`,
    ...marks(looks, x),
    `<rect x="${LEFT + PLOT + 4}" y="${TOP - 28}" width="10" height="9" fill="${SOAK_COLOURS.rejected}"/><text x="${LEFT + PLOT + 18}" y="${TOP - 19}">writes rejected</text>`,
    `<rect x="${LEFT + PLOT + 4}" y="${TOP - 15}" width="10" height="9" fill="${SOAK_COLOURS.throttled}"/><text x="${LEFT + PLOT + 18}" y="${TOP - 6}">writes throttled</text>`,
    ...latencyPanel(soak, x),
    ...back,
    `<text x="${LEFT}" y="${height - 4}">${escapeHtml(clock(new Date(start).toISOString()))}</text><text x="${LEFT + PLOT}" y="${height - 4}" text-anchor="end">${escapeHtml(clock(new Date(end).toISOString()))}</text>`,
    '</svg>',
  ].join('');
}

/** `2026-12-01 10:05`: a look's edge to the minute, in UTC. */
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;

const cell = (value: number | boolean | undefined, unit = 1) =>
  value === undefined ? 'no data' : typeof value === 'boolean' ? (value ? '1' : '0') : String(value / unit);

/** The chart's numbers as a table: one row per look, then the step back. */
export function soakTable(group: string, soak: SoakRecord): string {
  const head = [
    'look from (UTC)',
    'to',
    'max DurabilityLag (s)',
    'DurabilityBufferExceededErrorCount',
    'TrafficManagementActive',
    'p99 write latency (ms)',
    'max write latency (ms)',
  ];
  const rows = soak.series.map((look) =>
    [
      minute(look.from),
      minute(look.to),
      cell(look.lagMs, 1000),
      cell(look.bufferExceeded),
      cell(look.trafficManagementActive),
      cell(look.writeLatencyP99Ms),
      cell(look.writeLatencyMs),
    ].map((text) => `<td>${escapeHtml(text)}</td>`),
  );
  const stepBack =
    soak.steppedBackAt === undefined
      ? ''
      : `<tr><td colspan="${head.length}">${escapeHtml(`step back to async sent at ${soak.steppedBackAt}`)}</td></tr>`;
  return `<table class="soak-numbers"><caption>${escapeHtml(`${group}: the soak's looks`)}</caption><thead><tr>${head.map((title) => `<th>${escapeHtml(title)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.join('')}</tr>`).join('')}${stepBack}</tbody></table>`;
}

/**
 * The plan's soak figures: one per group whose last soak the state table keeps (by ARN), its
 * chart and its table; a group that never soaked has none.
 *
 * @example
 * soakFigures(plans, new Map([[arn, run]]));
 */
export function soakFigures(
  plans: readonly GroupPlan[],
  soaks: ReadonlyMap<string, SoakRun>,
): { caption: string; svg: string; table: string }[] {
  return plans.flatMap(({ resource }) => {
    const run = soaks.get(resource.arn);
    if (run === undefined) return [];
    const { soak } = run;
    const window = soak.windowSeconds === undefined ? '' : `, ${soak.windowSeconds / 60} min window`;
    return [
      {
        caption: `${resource.id}: last soak ${soak.outcome ?? 'unknown'}${soak.failed === undefined ? '' : `, then the execution failed: ${soak.failed}`} (${run.execution}, ${soak.series.length} looks${window})`,
        svg: soakChart(resource.id, soak),
        table: soakTable(resource.id, soak),
      },
    ];
  });
}
