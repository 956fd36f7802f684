import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Finding } from '../../../shared/domain/finding.js';
import { publishFindingMetrics, unknownPercent } from '../../../shared/jobs/finding-metrics.js';

const finding = (rule: string, status: Finding['status'], action: string | null = null): Finding => ({
  resourceType: 'replication-group',
  resourceId: 'g',
  arn: 'arn:g',
  rule,
  check: 'durability',
  status,
  expected: '>= sync',
  observed: 'disabled',
  reason: 'r',
  action,
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('Function: publishFindingMetrics', () => {
  it('writes one EMF count per rule and status, and per action', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    const metrics = new Metrics({ namespace: 'ElastiCacheGuardrails', serviceName: 'test' });

    // Act
    publishFindingMetrics(
      metrics,
      [
        finding('prod', 'violation', 'modify-requested'),
        finding('prod', 'violation'),
        finding('prod', 'compliant'),
      ],
      'target-scan',
      1234,
    );

    // Assess
    const emitted = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const value = (name: string, match: Record<string, string>) =>
      emitted.find(
        (entry) => name in entry && Object.entries(match).every(([key, val]) => entry[key] === val),
      )?.[name];
    expect(value('Findings', { rule: 'prod', status: 'violation' })).toBe(2);
    expect(value('Findings', { rule: 'prod', status: 'compliant' })).toBe(1);
    expect(value('RemediationActions', { action: 'modify-requested' })).toBe(1);
    expect(value('RunDuration', { run: 'target-scan' })).toBe(1234);
    expect(value('UnknownShare', { run: 'target-scan' })).toBe(0);
  });

  it('reports the share of unknown findings, 100 when nothing could be evaluated', () => {
    expect(unknownPercent([finding('p', 'unknown'), finding('p', 'unknown')])).toBe(100);
    expect(unknownPercent([finding('p', 'unknown'), finding('p', 'compliant')])).toBe(50);
    expect(unknownPercent([])).toBe(0);
  });
});
