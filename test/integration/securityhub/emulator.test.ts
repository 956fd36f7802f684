/**
 * The sandbox's Security Hub answers the real SDK client as Security Hub does: 1 to 100 findings
 * per BatchImportFindings call, each refused finding named with its error, accepted ones
 * updating the finding with the same Id (but never what customers own), every call captured,
 * and no import where Security Hub is not enabled.
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

/** `UpdatedAt` `minutes` after NOW: Security Hub takes an update only if it is later than the finding held. */
const later = (minutes: number) => ({ UpdatedAt: new Date(NOW.getTime() + minutes * 60_000).toISOString() });

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
    const again = await send([{ ...asff('orders'), ...later(1), Compliance: { Status: 'PASSED' } }]);

    // Assess
    expect(first).toMatchObject({ FailedCount: 0, SuccessCount: 2, FailedFindings: [] });
    expect(again).toMatchObject({ FailedCount: 0, SuccessCount: 1 });
    const held = emulator.securityHub.findings(ACCOUNT, REGION);
    expect(held.size).toBe(2);
    expect(held.get(asff('orders').Id)).toMatchObject({ Compliance: { Status: 'PASSED' } });
  });

  it('keeps what customers own when a finding is imported again: Note, UserDefinedFields, VerificationState, Workflow', async () => {
    // Prepare: a new finding starts NEW; then a customer's BatchUpdateFindings edits it.
    const id = asff('orders').Id;
    await send([asff('orders')]);
    const created = emulator.securityHub.findings(ACCOUNT, REGION).get(id);
    const customer = {
      Note: { Text: 'ticket OPS-1', UpdatedBy: 'oncall', UpdatedAt: NOW.toISOString() },
      UserDefinedFields: { team: 'payments' },
      VerificationState: 'TRUE_POSITIVE',
      Workflow: { Status: 'NOTIFIED' },
    };
    emulator.securityHub.findings(ACCOUNT, REGION).set(id, { ...created, ...customer, Id: id });

    // Act: the provider imports it again, with values of its own for those fields.
    await send([
      {
        ...asff('orders'),
        ...later(1),
        Title: 'durability of orders: expected sync (again)',
        Note: { Text: 'provider note', UpdatedBy: 'provider', UpdatedAt: NOW.toISOString() },
        UserDefinedFields: { team: 'provider' },
        VerificationState: 'FALSE_POSITIVE',
        Workflow: { Status: 'RESOLVED' },
      },
    ]);

    // Assess
    expect(created?.Workflow).toEqual({ Status: 'NEW' });
    expect(emulator.securityHub.findings(ACCOUNT, REGION).get(id)).toMatchObject({
      ...customer,
      Title: 'durability of orders: expected sync (again)',
    });
  });

  it('sets a RESOLVED workflow back to NEW when the finding stops passing or is unarchived', async () => {
    // Prepare: two passing findings a customer resolved; one of them archived.
    const passing = (group: string, RecordState = 'ACTIVE', minutes = 0) => ({
      ...asff(group),
      ...later(minutes),
      Compliance: { Status: 'PASSED' },
      RecordState,
    });
    await send([passing('orders'), passing('carts', 'ARCHIVED')]);
    const held = emulator.securityHub.findings(ACCOUNT, REGION);
    for (const group of ['orders', 'carts']) {
      const id = asff(group).Id;
      held.set(id, { ...held.get(id), Id: id, Workflow: { Status: 'RESOLVED' } });
    }
    await send([passing('orders', 'ACTIVE', 1)]);
    const stillResolved = held.get(asff('orders').Id)?.Workflow;

    // Act
    await send([
      { ...passing('orders', 'ACTIVE', 2), Compliance: { Status: 'FAILED' } },
      passing('carts', 'ACTIVE', 2),
    ]);

    // Assess
    expect(stillResolved).toEqual({ Status: 'RESOLVED' });
    expect(held.get(asff('orders').Id)?.Workflow).toEqual({ Status: 'NEW' });
    expect(held.get(asff('carts').Id)?.Workflow).toEqual({ Status: 'NEW' });
  });

  it('ignores an update whose UpdatedAt is not later than the finding held, and answers it as a success', async () => {
    // Prepare
    const id = asff('orders').Id;
    await send([{ ...asff('orders'), ...later(10) }]);

    // Act: an older and an equal UpdatedAt, each with another state.
    const older = await send([{ ...asff('orders'), ...later(5), Compliance: { Status: 'PASSED' } }]);
    const equal = await send([{ ...asff('orders'), ...later(10), Compliance: { Status: 'PASSED' } }]);
    const newer = await send([{ ...asff('orders'), ...later(11), Title: 'newer' }]);

    // Assess
    expect(older).toMatchObject({ FailedCount: 0, SuccessCount: 1 });
    expect(equal).toMatchObject({ FailedCount: 0, SuccessCount: 1 });
    expect(newer).toMatchObject({ FailedCount: 0, SuccessCount: 1 });
    expect(emulator.securityHub.imports.map((call) => call.ignored)).toEqual([[], [id], [id], []]);
    expect(emulator.securityHub.findings(ACCOUNT, REGION).get(id)).toMatchObject({
      ...later(11),
      Title: 'newer',
      Compliance: { Status: 'FAILED' },
    });
  });

  it('refuses every import in an account and region without Security Hub: InvalidAccessException, 401', async () => {
    // Prepare
    emulator.accounts.configure({ securityHubOff: [{ account: ACCOUNT, region: REGION }] });
    const elsewhere = new SecurityHubClient({
      endpoint: emulator.endpoint,
      region: 'eu-west-1',
      maxAttempts: 1,
    });

    // Act
    const refused = await send([asff('orders')]).catch((error: unknown) => error);
    const otherRegion = await elsewhere.send(
      new BatchImportFindingsCommand({
        Findings: [asff('orders', ACCOUNT, 'eu-west-1') as AwsSecurityFinding],
      }),
    );

    // Assess
    expect(refused).toMatchObject({
      name: 'InvalidAccessException',
      message: `Account ${ACCOUNT} is not subscribed to AWS Security Hub`,
      $metadata: { httpStatusCode: 401 },
    });
    expect(emulator.securityHub.findings(ACCOUNT, REGION).size).toBe(0);
    expect(otherRegion.SuccessCount).toBe(1);
    elsewhere.destroy();
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
