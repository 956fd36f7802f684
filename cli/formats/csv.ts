/** `--format csv`: one header line, one line per row. */
import { csvField, FINDING_COLUMNS, findingCells, whereOf } from '../format.js';
import type { OutputFormat } from './output.js';

const csvLines = (lines: readonly string[][]) =>
  `${lines.map((row) => row.map(csvField).join(',')).join('\n')}\n`;

export const csvFormat = {
  name: 'csv',
  writes: {
    rows: ({ rows, columns }) =>
      csvLines([columns, ...rows.map((row) => columns.map((column) => row[column] ?? ''))]),
    report: ({ report }) =>
      csvLines([
        [...FINDING_COLUMNS, 'arn', 'account', 'region'],
        ...report.findings.map((finding) => {
          const { account, region } = whereOf(finding);
          return [...findingCells(finding), finding.arn, account, region];
        }),
      ]),
  },
} as const satisfies OutputFormat<'csv'>;
