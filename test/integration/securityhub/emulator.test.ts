/**
 * The sandbox's Security Hub answers the real SDK client as Security Hub does: 1 to 100 findings
 * per BatchImportFindings call, each refused finding named with its error, accepted ones
 * replacing the finding with the same Id, every call captured.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../../infra/local/emulator/server.js';
import { SecurityHubImporter } from '../../../shared/aws/security-hub.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { toAsff } from '../../../shared/domain/security-findings.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const NOW = new Date('2026-11-25T10:00:00Z');

function asff(group: string, account = ACCOUNT, region = REGION) {
  const finding: Finding = {
    resourceType: 'replication-group',
    resourceId: group,
    arn: `arn:aws:elasticache:${region}:${account}:replicationgroup:${group}`,
    rule: 'prod',
    check: 'durability',
    status: 'violation',
    expected: 'sync',
    observed: 'disabled',
    reason: 'EffectiveDurability is disabled',
    action: null,
  };
  return toAsff(finding, { account, region, now: NOW });
}

let emulator: Emulator;
let captureDir: string;
let client: SecurityHubClient;
beforeEach(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'sandbox');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'sandbox');
  captureDir = mkdtempSync(join(tmpdir(), 'guardrails-securityhub-'));
  emulator = await startEmulator({ captureDir });
  client = new SecurityHubClient({ endpoint: emulator.endpoint, region: REGION, maxAttempts: 1 });
});
afterEach(async () => {
  client.destroy();
  await emulator.close();
  vi.unstubAllEnvs();
});

const send = (findings: object[]) =>
  client.send(new BatchImportFindingsCommand({ Findings: findings as AwsSecurityFinding[] }));

describe('Emulator: Security Hub BatchImportFindings', () => {
  it('accepts findings and replaces the one with the same Id', async () => {
    // Act
    const first = await send([asff('orders'), asff('carts')]);
    const again = await send([{ ...asff('orders'), Compliance: { Status: 'PASSED' } }]);

    // Assess
    expect(first).toMatchObject({ FailedCount: 0, SuccessCount: 2, FailedFindings: [] });
    expect(again).toMatchObject({ FailedCount: 0, SuccessCount: 1 });
    const held = emulator.securityHub.findings(ACCOUNT, REGION);
    expect(held.size).toBe(2);
    expect(held.get(asff('orders').Id)).toMatchObject({ Compliance: { Status: 'PASSED' } });
  });

  it.each([0, 101])('refuses a call of %i findings with InvalidInputException', async (count) => {
    // Act
    const sent = send(Array.from({ length: count }, (_, index) => asff(`group-${index}`)));

    // Assess
    await expect(sent).rejects.toMatchObject({
      name: 'InvalidInputException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(emulator.securityHub.findings(ACCOUNT, REGION).size).toBe(0);
  });

  it('names each refused finding with its error and keeps the others', async () => {
    // Prepare
    const { Title: _title, Severity: _severity, ...incomplete } = asff('incomplete');
    const foreign = asff('foreign', '210987654321');
    const otherRegion = asff('elsewhere', ACCOUNT, 'eu-west-1');

    // Act
    const answer = await send([asff('orders'), incomplete, foreign, otherRegion]);

    // Assess
    expect(answer.SuccessCount).toBe(1);
    expect(answer.FailedCount).toBe(3);
    expect(answer.FailedFindings).toEqual([
      {
        Id: incomplete.Id,
        ErrorCode: 'InvalidInput',
        ErrorMessage: 'missing required fields: Severity, Title',
      },
      { Id: foreign.Id, ErrorCode: 'AccessDeniedException', ErrorMessage: expect.stringContaining(ACCOUNT) },
      {
        Id: otherRegion.Id,
        ErrorCode: 'AccessDeniedException',
        ErrorMessage: expect.stringContaining(REGION),
      },
    ]);
    expect([...emulator.securityHub.findings(ACCOUNT, REGION).keys()]).toEqual([asff('orders').Id]);
  });

  it('captures every call, in memory and in securityhub.jsonl', async () => {
    // Prepare
    emulator.securityHub.refuseNext(asff('carts').Id, 'LimitExceeded', 'later');

    // Act
    await send([asff('orders'), asff('carts')]);

    // Assess
    const lines = readFileSync(join(captureDir, 'securityhub.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(emulator.securityHub.imports);
    expect(emulator.securityHub.imports).toMatchObject([
      {
        account: ACCOUNT,
        region: REGION,
        accepted: [asff('orders').Id],
        failed: [{ Id: asff('carts').Id, ErrorCode: 'LimitExceeded', ErrorMessage: 'later' }],
      },
    ]);
  });

  it('receives 250 findings from the adapter as calls of 100, 100 and 50', async () => {
    // Prepare
    const findings = Array.from({ length: 250 }, (_, index) => asff(`group-${index}`));

    // Act
    const refused = await new SecurityHubImporter({
      endpoint: emulator.endpoint,
      region: REGION,
      maxAttempts: 1,
    }).importFindings(findings);

    // Assess
    expect(refused).toEqual([]);
    expect(emulator.securityHub.imports.map((call) => call.accepted.length)).toEqual([100, 100, 50]);
    expect(emulator.securityHub.findings(ACCOUNT, REGION).size).toBe(250);
  });
});
