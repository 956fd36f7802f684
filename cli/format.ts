import type { ObservedEncryption } from '../shared/domain/drift.js';
import type { Summary } from '../shared/domain/evaluate.js';
import type { Finding, FindingStatus } from '../shared/domain/finding.js';
import type { Glob } from '../shared/domain/glob.js';
import { arnLocation } from '../shared/domain/security-findings.js';

/** What a report holds: the whole fleet's summary and the findings shown, most urgent first. */
export interface Report {
  /** Of every finding, whatever the filter: what the exit code is decided on. */
  summary: Summary;
  findings: Finding[];
  /** The filter that chose `findings` (`--status violation`), when there is one. */
  filter?: string;
  /** Each resource's raw encryption state (JSON only): what `drift --baseline` compares with. */
  resources?: ObservedEncryption[];
  /**
   * A run over targets (`--accounts`, `--org`, `--regions`, `settings.targets`): how many and how
   * many failed, and the line that says so. Its findings get account and region columns.
   */
  targets?: { total: number; failed: number; line: string };
}

/** A finding's columns, in the order every format shows them. */
export const FINDING_COLUMNS = [
  'resourceType',
  'resourceId',
  'rule',
  'check',
  'status',
  'expected',
  'observed',
  'action',
  'reason',
] as const;

/** The order findings are shown in: the most urgent status first. */
export const STATUS_ORDER: readonly FindingStatus[] = [
  'violation',
  'degraded',
  'error',
  'unknown',
  'exempt',
  'compliant',
];

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Findings most urgent first ({@link STATUS_ORDER}), then by resource id, then rule (then ARN:
 * the same id in two accounts or regions).
 *
 * @example
 * byUrgency(findings)[0]?.status; // 'violation' when there is one
 */
export function byUrgency(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
      compareText(a.resourceId, b.resourceId) ||
      compareText(a.rule, b.rule) ||
      compareText(a.resourceType, b.resourceType) ||
      compareText(a.arn, b.arn),
  );
}

/** What `--status`, `--rule` and `--resource` keep; an absent criterion keeps everything. */
export interface FindingFilter {
  statuses?: readonly FindingStatus[];
  rules?: readonly string[];
  resource?: Glob;
}

/**
 * Whether a finding passes the filter (every criterion given must hold).
 *
 * @example
 * findings.filter((finding) => passes(finding, { statuses: ['violation'] }));
 */
export function passes(
  finding: Pick<Finding, 'status' | 'rule' | 'resourceId'>,
  filter: FindingFilter,
): boolean {
  return (
    (filter.statuses === undefined || filter.statuses.includes(finding.status)) &&
    (filter.rules === undefined || filter.rules.includes(finding.rule)) &&
    (filter.resource === undefined || filter.resource.test(finding.resourceId))
  );
}

/**
 * One line under a table: how many of each, most urgent first, and what the filter shows.
 *
 * @example
 * countLine('findings', { violation: 26, compliant: 35 }, 26, '--status violation');
 * // '61 findings: 26 violation, 35 compliant (showing 26: --status violation)'
 */
export function countLine(
  noun: string,
  counts: Readonly<Record<string, number | undefined>>,
  shown: number,
  filter?: string,
  order: readonly string[] = STATUS_ORDER,
): string {
  const known = [...order, ...Object.keys(counts).filter((key) => !order.includes(key))];
  const parts = known.flatMap((key) => {
    const count = counts[key] ?? 0;
    return count > 0 ? [`${count} ${key}`] : [];
  });
  const total = Object.values(counts).reduce<number>((sum, count) => sum + (count ?? 0), 0);
  const head = parts.length === 0 ? `${total} ${noun}` : `${total} ${noun}: ${parts.join(', ')}`;
  return filter === undefined ? head : `${head} (showing ${shown}: ${filter})`;
}

/** Where a finding's resource lives, read from its ARN (region first, as JSON has always shown it). */
export function whereOf(finding: Finding): { region: string; account: string } {
  const { region, account } = arnLocation(finding.arn);
  return { region, account };
}

/**
 * A finding's rule as a cell: a target that could not be scanned concerns no rule (its rule is
 * empty in the data), shown as a dash rather than a blank cell.
 */
export const ruleCell = (rule: string): string => (rule === '' ? '—' : rule);

/** A row's cells; `located` puts the account and region first. */
export function findingCells(finding: Finding, located = false): string[] {
  const where = whereOf(finding);
  return [
    ...(located ? [where.account, where.region] : []),
    ...FINDING_COLUMNS.map((column) => {
      const value = finding[column];
      if (column === 'reason' && finding.notes !== undefined && finding.notes.length > 0) {
        return `${finding.reason} (${finding.notes.join('; ')})`;
      }
      if (column === 'rule') return ruleCell(finding.rule);
      return value === null ? '' : String(value);
    }),
  ];
}

export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The spaces between two columns. */
export const GAP = 2;
const CELL_FLOOR = 4;

/** How to fit a table in a terminal. */
export interface FitTo {
  width: number;
  /** The free-text column, when there is one: it gives up room first. */
  absorbing?: number;
  /** The columns that name a row (the resource id): cut last. */
  keep?: readonly number[];
}

/**
 * Cut cells so that the table's lines fit in `width` characters, one character at a time from
 * the widest column of each step: the free text down to a few words, the other columns, the free
 * text further, the columns that name the row, and the free text to nothing. A cut cell ends
 * with `…`.
 */
export function cutToWidth(rows: string[][], { width, absorbing = -1, keep = [] }: FitTo): string[][] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  let excess = widths.reduce((sum, each) => sum + each, 0) + GAP * Math.max(0, widths.length - 1) - width;
  if (excess <= 0) return rows;
  const columns = widths.map((_, column) => column);
  const others = columns.filter((column) => column !== absorbing && !keep.includes(column));
  const named = columns.filter((column) => column !== absorbing && keep.includes(column));
  const steps: [readonly number[], number][] = [
    [[absorbing], 20],
    [others, CELL_FLOOR],
    [[absorbing], 8],
    [named, CELL_FLOOR],
    [[absorbing], 1],
  ];
  for (const [group, floor] of steps) {
    while (excess > 0) {
      const widest = group.reduce<number | undefined>(
        (best, column) => (best === undefined || (widths[column] ?? 0) > (widths[best] ?? 0) ? column : best),
        undefined,
      );
      if (widest === undefined || (widths[widest] ?? 0) <= floor) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
      excess -= 1;
    }
  }
  return rows.map((row) =>
    row.map((cell, column) => {
      const room = widths[column] ?? cell.length;
      return cell.length > room ? `${cell.slice(0, room - 1)}…` : cell;
    }),
  );
}

/**
 * Aligned columns, for a terminal. With `fitTo`, lines are cut to its `width` (see {@link cutToWidth}).
 *
 * @example
 * table([['id', 'reason'], ['orders', 'EffectiveDurability is async']], { width: 80, absorbing: 1 });
 */
export function table(rows: string[][], fitTo?: FitTo): string {
  if (fitTo !== undefined) return table(cutToWidth(rows, fitTo));
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Where a finding's resource lives: CSV and JSON carry it beside the finding. */
export const locatedFinding = (finding: Finding) => ({ ...finding, ...whereOf(finding) });
