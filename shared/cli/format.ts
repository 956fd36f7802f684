import type { ObservedEncryption } from '../domain/drift.js';
import type { Summary } from '../domain/evaluate.js';
import type { Finding } from '../domain/finding.js';
import { redactSecrets } from '../runtime/redact.js';
import { renderHtml } from './html.js';

export const FORMATS = ['table', 'json', 'csv', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** What a report holds: a summary and the findings in their stable order. */
export interface Report {
  summary: Summary;
  findings: Finding[];
  /** Each resource's raw encryption state (JSON only): what `drift --baseline` compares with. */
  resources?: ObservedEncryption[];
}

const COLUMNS = [
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

function cells(finding: Finding): string[] {
  return COLUMNS.map((column) => {
    const value = finding[column];
    if (column === 'reason' && finding.notes !== undefined && finding.notes.length > 0) {
      return `${finding.reason} (${finding.notes.join('; ')})`;
    }
    return value === null ? '' : String(value);
  });
}

export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Aligned columns, for a terminal. */
export function table(rows: string[][]): string {
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

/**
 * Render a report in one of the CLI's formats.
 *
 * @example
 * process.stdout.write(renderReport(report, 'csv'));
 */
export function renderReport(report: Report, format: Format, now: Date = new Date()): string {
  const header = [...COLUMNS];
  const rows = report.findings.map(cells);
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, redactSecrets, 2)}\n`;
    case 'csv':
      return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
    case 'markdown': {
      const escapePipes = (cell: string) => cell.replaceAll('|', '\\|');
      const lines = [header, header.map(() => '---'), ...rows].map(
        (row) => `| ${row.map(escapePipes).join(' | ')} |`,
      );
      return `${lines.join('\n')}\n`;
    }
    case 'table':
      return rows.length === 0 ? 'No resource matched any rule.\n' : `${table([header, ...rows])}\n`;
    case 'html':
      return renderHtml(report, header, cells, now);
  }
}
