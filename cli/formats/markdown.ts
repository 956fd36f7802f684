/** `--format markdown`: a pipe table, for a ticket or a pull request. */
import { FINDING_COLUMNS, findingCells } from '../format.js';
import type { OutputFormat } from './output.js';

const escapePipes = (cell: string) => cell.replaceAll('|', '\\|');

/** The header, its rule and the rows, as markdown lines. */
const pipeTable = (header: readonly string[], rows: readonly string[][]) =>
  `${[header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(escapePipes).join(' | ')} |`).join('\n')}\n`;

export const markdownFormat = {
  name: 'markdown',
  writes: {
    rows: ({ rows, columns }) =>
      pipeTable(
        columns,
        rows.map((row) => columns.map((column) => row[column] ?? '')),
      ),
    report: ({ report }) => {
      const byTarget = report.targets !== undefined;
      return pipeTable(
        [...(byTarget ? ['account', 'region'] : []), ...FINDING_COLUMNS],
        report.findings.map((finding) => findingCells(finding, byTarget)),
      );
    },
  },
} as const satisfies OutputFormat<'markdown'>;
