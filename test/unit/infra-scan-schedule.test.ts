/**
 * The deployment parameters the organisation scan's limits come from: `scanConcurrency` (target-scan's
 * reserved concurrency and the bound of the Map's items, through org-scan's SCAN_CONCURRENCY) and
 * `scanRate` (the period of the alarm on overlapping runs).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { functions, buildResources } = require('../../infra/serverless.cjs') as {
  functions(resolver: {
    resolveVariable(name: string): Promise<unknown>;
  }): Promise<Record<string, { reservedConcurrency?: number; environment?: Record<string, unknown> }>>;
  buildResources(params: Record<string, string>): {
    Resources: Record<string, { Properties: Record<string, unknown> }>;
  };
};

/** The functions block for these parameters (the others as serverless.yml defaults them). */
function functionsWith(params: Record<string, string>) {
  const values: Record<string, string> = {
    'sls:stage': 'prod',
    'self:provider.region': 'eu-west-1',
    'param:scanRate': 'rate(1 hour)',
    'param:scanConcurrency': '10',
    'param:memberRoleName': 'elasticache-guardrails-member',
    'param:securityHubExport': 'false',
    ...Object.fromEntries(Object.entries(params).map(([name, value]) => [`param:${name}`, value])),
  };
  return functions({ resolveVariable: async (name) => values[name] ?? '' });
}

const alarmPeriod = (scanRate: string) =>
  buildResources({
    service: 'elasticache-guardrails',
    stage: 'prod',
    alertEmail: '',
    logRetentionDays: '90',
    scanRate,
  }).Resources.OverlappingRunsAlarm?.Properties.Period;

describe('Parameter: scanConcurrency', () => {
  it("sets target-scan's reserved concurrency and the org-scan Map's bound to the same number", async () => {
    // Act
    const block = await functionsWith({ scanConcurrency: '25' });

    // Assess
    expect(block['target-scan']?.reservedConcurrency).toBe(25);
    expect(block['org-scan']?.environment?.SCAN_CONCURRENCY).toBe('25');
  });

  it.each(['0', '2.5', 'ten', '1001'])('refuses %s, naming the parameter', async (value) => {
    // Act & Assess
    await expect(functionsWith({ scanConcurrency: value })).rejects.toThrow(
      `the scanConcurrency parameter takes a whole number from 1 to 1000 (target-scan's reserved concurrency), got "${value}"`,
    );
  });
});

describe('Parameter: scanRate', () => {
  it.each([
    ['rate(1 hour)', 3600],
    ['rate(15 minutes)', 900],
    ['rate(2 days)', 172_800],
    // A cron has no one period: two days in a row.
    ['cron(0 6 * * ? *)', 86_400],
  ])('gives the overlap alarm the period of %s', (scanRate, period) => {
    // Act & Assess
    expect(alarmPeriod(scanRate)).toBe(period);
  });

  it.each(['rate(5 days)', 'every hour'])(
    'refuses %s: two periods must fit CloudWatch evaluation',
    (scanRate) => {
      // Act & Assess
      expect(() => alarmPeriod(scanRate)).toThrow(
        /the scanRate parameter takes rate\(N minutes\|hours\|days\)/,
      );
    },
  );
});
