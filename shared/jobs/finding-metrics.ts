import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Finding } from '../domain/finding.js';

/**
 * Publish, as CloudWatch EMF, one `Findings` count per rule and status, and one
 * `RemediationActions` count per action taken, plus the run's duration and `UnknownShare`.
 *
 * @example
 * publishFindingMetrics(metrics, report.findings, 'TargetScan', Date.now() - started);
 */
export function publishFindingMetrics(
  metrics: Metrics,
  findings: readonly Finding[],
  run: string,
  durationMs: number,
): void {
  const counts = new Map<string, { dimensions: Record<string, string>; name: string; count: number }>();
  const count = (name: string, dimensions: Record<string, string>) => {
    const key = `${name}|${JSON.stringify(dimensions)}`;
    const entry = counts.get(key) ?? { dimensions, name, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  };
  for (const finding of findings) {
    count('Findings', { rule: finding.rule, status: finding.status });
    if (finding.action !== null) count('RemediationActions', { rule: finding.rule, action: finding.action });
  }
  for (const { dimensions, name, count: value } of counts.values()) {
    const single = metrics.singleMetric();
    single.addDimensions({ run, ...dimensions });
    single.addMetric(name, MetricUnit.Count, value);
  }
  const duration = metrics.singleMetric();
  duration.addDimensions({ run });
  duration.addMetric('RunDuration', MetricUnit.Milliseconds, durationMs);
  // An all-unknown run evaluated nothing (an endpoint without the 2026-06-02 fields): alarmed on.
  const share = metrics.singleMetric();
  share.addDimensions({ run });
  share.addMetric('UnknownShare', MetricUnit.Percent, unknownPercent(findings));
}

/** The share of findings that are `unknown`, in percent (0 without findings). */
export function unknownPercent(findings: readonly Pick<Finding, 'status'>[]): number {
  if (findings.length === 0) return 0;
  return (100 * findings.filter((finding) => finding.status === 'unknown').length) / findings.length;
}
