/**
 * `--format asff` and `--format ocsf`: findings as Security Hub's format (ready for
 * BatchImportFindings) or OCSF Compliance Findings. They write findings only: a report's.
 */
import type { Finding } from '../../shared/domain/finding.js';
import { toAsff, toOcsf } from '../../shared/domain/security-findings.js';
import { TARGET_CHECK } from '../../shared/domain/targets.js';
import { redactSecrets } from '../../shared/runtime/redact.js';
import { whereOf } from '../format.js';
import { CLI_VERSION } from '../version.js';
import type { OutputFormat } from './output.js';

/**
 * Each finding in the account and region of its resource (the product account too, as a CLI run
 * has no other). A target that could not be scanned is no resource's finding: it is left out (the
 * run's targets line on stderr names it).
 */
function securityFindings(findings: readonly Finding[], format: 'asff' | 'ocsf', now: Date): string {
  const ofResources = findings.filter((finding) => finding.check !== TARGET_CHECK);
  const converted = ofResources.map((finding) => {
    const context = { ...whereOf(finding), now };
    return format === 'asff'
      ? toAsff(finding, context)
      : toOcsf(finding, { ...context, version: CLI_VERSION });
  });
  return `${JSON.stringify(converted, redactSecrets, 2)}\n`;
}

export const asffFormat = {
  name: 'asff',
  writes: {
    report: ({ report }, { now }) => securityFindings(report.findings, 'asff', now ?? new Date()),
  },
} as const satisfies OutputFormat<'asff'>;

export const ocsfFormat = {
  name: 'ocsf',
  writes: {
    report: ({ report }, { now }) => securityFindings(report.findings, 'ocsf', now ?? new Date()),
  },
} as const satisfies OutputFormat<'ocsf'>;
