/** `--format table`: aligned columns for a terminal, fitted to its width. */
import { countLine, FINDING_COLUMNS, findingCells, table } from '../format.js';
import { findingTable, wrap } from './finding-table.js';
import type { OutputFormat } from './output.js';

export const tableFormat = {
  name: 'table',
  writes: {
    rows: ({ rows, columns, footer, keep = [] }, { width }) => {
      const cells = rows.map((row) => columns.map((column) => row[column] ?? ''));
      const fitTo =
        width === undefined
          ? undefined
          : {
              width,
              absorbing: columns.length - 1,
              keep: [0, ...['resourceId', ...keep].map((column) => columns.indexOf(column))],
            };
      const body = rows.length === 0 ? 'nothing to show' : table([columns, ...cells], fitTo);
      if (footer === undefined) return `${body}\n`;
      return `${body}\n${width === undefined ? `${footer}\n` : fitLines(`${footer}\n`, width)}`;
    },
    report: ({ report }, { width }) => {
      const targetsLine = report.targets === undefined ? '' : `${report.targets.line}\n`;
      if (report.summary.total === 0) return `No resource matched any rule.\n${targetsLine}`;
      const byTarget = report.targets !== undefined;
      const header = [...(byTarget ? ['account', 'region'] : []), ...FINDING_COLUMNS];
      const rows = report.findings.map((finding) => findingCells(finding, byTarget));
      const body = rows.length === 0 ? 'No finding matches the filter.' : findingTable(header, rows, width);
      const counts = countLine('findings', report.summary.byStatus, rows.length, report.filter);
      const under = `${counts}\n${targetsLine}`;
      return `${body}\n${width === undefined ? under : fitLines(under, width)}`;
    },
    document: ({ text }) => text,
  },
} as const satisfies OutputFormat<'table'>;

/** Lines of prose wrapped to a terminal's width (a trailing newline kept). */
const fitLines = (text: string, width: number) =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : wrap(line, width).join('\n')))
    .join('\n');
