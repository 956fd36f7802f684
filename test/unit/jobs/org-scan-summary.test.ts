import { describe, expect, it } from 'vitest';
import { summarizeScan } from '../../../shared/jobs/org-scan.js';

const target = (account: string) => ({ account, region: 'eu-west-1' });

describe('Function: summarizeScan', () => {
  it('counts targets, findings and failures, and names the targets whose Security Hub import failed', () => {
    // Act
    const summary = summarizeScan([
      { target: target('111111111111'), status: 'complete', findings: { compliant: 3, violation: 1 } },
      {
        target: target('222222222222'),
        status: 'complete',
        findings: { compliant: 2 },
        securityHub: { error: 'BatchImportFindings failed: InvalidAccessException: not subscribed' },
      },
      {
        target: target('333333333333'),
        status: 'complete',
        findings: { compliant: 1 },
        securityHub: { imported: 1, archived: 0, unchanged: 0, refused: 2 },
      },
      {
        target: target('444444444444'),
        status: 'failed',
        findings: { error: 1 },
        error: { reason: 'the role cannot be assumed' },
      },
    ]);

    // Assess
    expect(summary).toEqual({
      targets: 4,
      complete: 3,
      failed: 1,
      findings: { compliant: 6, violation: 1, degraded: 0, exempt: 0, unknown: 0, error: 1 },
      failures: ['444444444444/eu-west-1: the role cannot be assumed'],
      exportFailures: [
        '222222222222/eu-west-1: BatchImportFindings failed: InvalidAccessException: not subscribed',
        '333333333333/eu-west-1: 2 findings refused',
      ],
      skipped: 0,
      skippedAccounts: [],
      notListed: { failures: 0, exportFailures: 0, skippedAccounts: 0 },
    });
  });

  it('counts the accounts skipped for their State and names each', () => {
    // Act
    const summary = summarizeScan(
      [{ target: target('111111111111'), status: 'complete', findings: { compliant: 1 } }],
      [
        { account: '222222222222', state: 'SUSPENDED' },
        { account: '333333333333', state: 'CLOSED' },
      ],
    );

    // Assess
    expect(summary).toMatchObject({
      targets: 1,
      complete: 1,
      skipped: 2,
      skippedAccounts: ['222222222222: SUSPENDED', '333333333333: CLOSED'],
    });
  });
});
