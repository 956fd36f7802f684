/**
 * How serious a violation is: one scale for the policy, findings, events, SNS alerts, ASFF and
 * OCSF. The words are the alert topic's (`severity` message attribute); ASFF and OCSF map them.
 */
export const SEVERITIES = ['info', 'low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Security Hub's `Severity.Label` of each severity. */
export const ASFF_SEVERITY = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
} as const satisfies Record<Severity, string>;

/**
 * The most serious of `severities` (`info` for none).
 *
 * @example
 * highestSeverity(['low', 'high']); // 'high'
 */
export function highestSeverity(severities: readonly Severity[]): Severity {
  return SEVERITIES.reduce<Severity>((worst, level) => (severities.includes(level) ? level : worst), 'info');
}
