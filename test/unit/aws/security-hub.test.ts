import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { IMPORT_BATCH_SIZE, SecurityHubImporter } from '../../../shared/aws/security-hub.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { toAsff } from '../../../shared/domain/security-findings.js';

const securityHub = mockClient(SecurityHubClient);
const importer = () =>
  new SecurityHubImporter({
    region: 'us-east-1',
    maxAttempts: 1,
  });
const NOW = new Date('2026-11-25T10:00:00Z');

/** `count` ASFF findings, one per group. */
function asffFindings(count: number) {
  return Array.from({ length: count }, (_, index) => {
    const finding: Finding = {
      resourceType: 'replication-group',
      resourceId: `group-${index}`,
      arn: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:group-${index}`,
      rule: 'prod',
      check: 'durability',
      status: 'violation',
      expected: 'sync',
      observed: 'disabled',
      reason: 'EffectiveDurability is disabled',
      action: null,
    };
    return toAsff(finding, { account: '123456789012', region: 'us-east-1', now: NOW });
  });
}

describe('Class: SecurityHubImporter', () => {
  afterEach(() => securityHub.reset());

  describe('Method: importFindings', () => {
    it('imports 250 findings in calls of 100, 100 and 50, in order', async () => {
      // Prepare
      securityHub
        .on(BatchImportFindingsCommand)
        .resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
      const findings = asffFindings(250);

      // Act
      const refused = await importer().importFindings(findings);

      // Assess
      const sent = securityHub
        .commandCalls(BatchImportFindingsCommand)
        .map((call) => call.args[0].input.Findings);
      expect(IMPORT_BATCH_SIZE).toBe(100);
      expect(sent.map((batch) => batch?.length)).toEqual([100, 100, 50]);
      expect(sent.flat().map((finding) => finding?.Id)).toEqual(findings.map((finding) => finding.Id));
      expect(refused).toEqual([]);
    });

    it('returns the findings Security Hub refused by Id, with their error, without throwing', async () => {
      // Prepare
      const findings = asffFindings(3);
      securityHub.on(BatchImportFindingsCommand).resolves({
        FailedCount: 1,
        SuccessCount: 2,
        FailedFindings: [
          { Id: findings[1]?.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'Title is too long' },
        ],
      });

      // Act
      const refused = await importer().importFindings(findings);

      // Assess
      expect(refused).toEqual([{ id: findings[1]?.Id, code: 'InvalidInput', message: 'Title is too long' }]);
    });

    it('throws an error naming the call when a whole call fails', async () => {
      // Prepare
      securityHub
        .on(BatchImportFindingsCommand)
        .rejects(Object.assign(new Error('Security Hub is not enabled'), { name: 'InvalidAccessException' }));

      // Act
      const imported = importer().importFindings(asffFindings(1));

      // Assess
      await expect(imported).rejects.toThrow(
        'Security Hub BatchImportFindings failed: InvalidAccessException: Security Hub is not enabled',
      );
    });

    it('makes no call for no finding', async () => {
      // Act
      const refused = await importer().importFindings([]);

      // Assess
      expect(refused).toEqual([]);
      expect(securityHub).not.toHaveReceivedCommand(BatchImportFindingsCommand);
    });
  });
});
