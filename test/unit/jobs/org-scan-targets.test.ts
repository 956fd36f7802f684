import { createRequire } from 'node:module';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../../shared/jobs/function-base.js';
import { NO_TARGETS, reportTargets, type TargetList } from '../../../shared/jobs/org-scan.js';

const require = createRequire(import.meta.url);
const { buildResources } = require('../../../infra/serverless.cjs') as {
  buildResources(params: Record<string, string>): {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
};
const params = { service: 'elasticache-guardrails', stage: 'prod', alertEmail: '', logRetentionDays: '90' };

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** What reportTargets says of `list`: its log lines and its EMF records. */
function report(list: TargetList) {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'elasticache-guardrails' });
  const logged: Array<{ level: string; message: string }> = [];
  const logger = {
    info: (message: string) => logged.push({ level: 'info', message }),
    warn: (message: string) => logged.push({ level: 'warn', message }),
  };
  reportTargets(list, logger as never, metrics);
  return { logged, emitted: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Whether the alarm on `metric` fires on the emitted `value` (its comparison, threshold and dimensions). */
function alarmFires(emitted: Record<string, unknown>[]) {
  const alarms = Object.values(buildResources(params).Resources).filter(
    (resource) => resource.Type === 'AWS::CloudWatch::Alarm' && resource.Properties.MetricName === 'Targets',
  );
  expect(alarms).toHaveLength(1);
  const alarm = alarms[0]?.Properties as {
    Namespace: string;
    ComparisonOperator: string;
    Threshold: number;
    Dimensions: { Name: string; Value: string }[];
    AlarmActions: unknown[];
  };
  expect(alarm.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
  const record = emitted.find(
    (entry) => 'Targets' in entry && alarm.Dimensions.every(({ Name, Value }) => entry[Name] === Value),
  );
  const namespace = (record?._aws as { CloudWatchMetrics: { Namespace: string }[] } | undefined)
    ?.CloudWatchMetrics[0]?.Namespace;
  expect(namespace).toBe(alarm.Namespace);
  const value = Number(record?.Targets);
  expect(alarm.ComparisonOperator).toBe('LessThanThreshold');
  return value < alarm.Threshold;
}

describe('Function: reportTargets', () => {
  it('warns of a scan with no targets, and the alarm on Targets fires', () => {
    // Act
    const { logged, emitted } = report({ items: [], failed: [], skipped: [], concurrency: 10 });

    // Assess
    expect(logged).toEqual([{ level: 'warn', message: NO_TARGETS }]);
    expect(alarmFires(emitted)).toBe(true);
  });

  it('reports the targets listed, and the alarm stays quiet', () => {
    // Act
    const { logged, emitted } = report({
      items: [{ account: '111111111111', regions: ['eu-west-1'] }],
      failed: [],
      skipped: [],
      concurrency: 10,
    });

    // Assess
    expect(logged).toEqual([{ level: 'info', message: 'targets listed' }]);
    expect(alarmFires(emitted)).toBe(false);
  });
});
