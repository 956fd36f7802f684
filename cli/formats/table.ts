/** `--format table`: aligned columns for a terminal, cut to its width. */
import { countLine, FINDING_COLUMNS, findingCells, table } from '../format.js';
import type { OutputFormat } from './output.js';

export const tableFormat = {
  name: 'table',
  writes: {
    rows: ({ rows, columns, footer }, { width }) => {
      const cells = rows.map((row) => columns.map((column) => row[column] ?? ''));
      const fitTo =
        width === undefined
          ? undefined
          : { width, absorbing: columns.length - 1, keep: [0, columns.indexOf('resourceId')] };
      const body = rows.length === 0 ? 'nothing to show' : table([columns, ...cells], fitTo);
      return footer === undefined ? `${body}\n` : `${body}\n${footer}\n`;
    },
    report: ({ report }, { width }) => {
      const targetsLine = report.targets === undefined ? '' : `${report.targets.line}\n`;
      if (report.summary.total === 0) return `No resource matched any rule.\n${targetsLine}`;
      const byTarget = report.targets !== undefined;
      const header = [...(byTarget ? ['account', 'region'] : []), ...FINDING_COLUMNS];
      const rows = report.findings.map((finding) => findingCells(finding, byTarget));
      const fitTo =
        width === undefined
          ? undefined
          : {
              width,
              absorbing: header.indexOf('reason'),
              keep: [header.indexOf('resourceId'), header.indexOf('rule'), header.indexOf('status')],
            };
      const body = rows.length === 0 ? 'No finding matches the filter.' : table([header, ...rows], fitTo);
      const counts = countLine('findings', report.summary.byStatus, rows.length, report.filter);
      return `${body}\n${counts}\n${targetsLine}`;
    },
    document: ({ text }) => text,
  },
} as const satisfies OutputFormat<'table'>;
