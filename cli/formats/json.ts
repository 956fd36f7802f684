/** `--format json`: what a script reads (and what `drift --baseline` reads back from a scan). */
import { redactSecrets } from '../../shared/runtime/redact.js';
import { locatedFinding } from '../format.js';
import type { OutputFormat } from './output.js';

const json = (value: unknown, replacer?: (key: string, value: unknown) => unknown) =>
  `${JSON.stringify(value, replacer, 2)}\n`;

export const jsonFormat = {
  name: 'json',
  writes: {
    rows: ({ rows, data }) => json(data ?? rows),
    report: ({ report }) => json({ ...report, findings: report.findings.map(locatedFinding) }, redactSecrets),
    document: ({ data }) => json(data),
  },
} as const satisfies OutputFormat<'json'>;
