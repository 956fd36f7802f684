/** `--format html`: one self-contained page (a scan's report has its own, with a chart and filters). */
import { renderHtmlReport, renderHtmlTable } from '../html.js';
import type { OutputFormat } from './output.js';

export const htmlFormat = {
  name: 'html',
  writes: {
    rows: ({ rows, columns, footer, title, figures }) =>
      renderHtmlTable(title ?? 'elasticache-guardrails', rows, columns, footer, figures),
    report: ({ report, page }, { now }) => renderHtmlReport(report, page ?? { scannedAt: now ?? new Date() }),
  },
} as const satisfies OutputFormat<'html'>;
