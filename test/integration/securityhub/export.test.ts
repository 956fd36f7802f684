/**
 * The Security Hub export against the sandbox: the real durability scan over the emulator's
 * fleet, the real SDK's BatchImportFindings into the emulator's Security Hub, and what was
 * imported kept in dynalite. A first run imports one ASFF finding per resource and rule, later
 * runs import only changes of state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecurityHubImporter } from '../../../shared/aws/security-hub.js';
import { securityHubImportKind } from '../../../shared/aws/state-keys.js';
import { CHECKS } from '../../../shared/domain/checks/registry.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { exportFindings } from '../../../shared/jobs/security-hub-export.js';
import { groupState, REGION, type Stack, serverlessState, startStack } from '../harness.js';

const ACCOUNT = '123456789012';
const SCOPE = { account: ACCOUNT, region: REGION };
const ARN = `arn:aws:elasticache:${REGION}:${ACCOUNT}`;
const PRODUCT_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const HOUR = 3_600_000;
const policy = parsePolicy(
  `version: 1
rules:
  - name: prod-durability
    mode: report
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`,
  'security-hub-policy.yaml',
);

const serverless = (name: string, encrypted: boolean) => serverlessState(name, { encrypted });

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
  const { model } = stack.emulator;
  model.putGroup(groupState('orders'));
  model.putGroup(groupState('carts', { durability: 'sync', effectiveDurability: 'sync' }));
  model.putGroup(groupState('legacy', { legacyApi: true }));
  model.putServerless(serverless('sessions', true));
  model.putServerless(serverless('plain', false));
});
afterEach(async () => {
  await stack.close();
});

/** Export `findings` as a run at `at` (the emulator's clock by default) would. */
function exportAt(findings: readonly Finding[], at?: Date) {
  const securityHub = new SecurityHubImporter({
    endpoint: stack.emulator.endpoint,
    region: REGION,
    maxAttempts: 1,
  });
  const now = () => at ?? new Date(stack.emulator.clock.now());
  return exportFindings({ securityHub, store: stack.store, now }, SCOPE, findings);
}

/** One scheduled run: scan the target, then export its findings. */
async function scanAndExport() {
  const report = await scanDurability(stack.durabilityDeps(), { policy, dryRun: true });
  return { report, result: await exportAt(report.findings) };
}

/** What the emulator's Security Hub holds for the central account, by Id. */
const held = () => stack.emulator.securityHub.findings(ACCOUNT, REGION);
const importCalls = () => stack.emulator.securityHub.imports.length;
const idOf = (resource: string, rule: string, check: string) => `${ARN}:${resource}/${rule}/${check}`;
const ORDERS_DURABILITY = idOf('replicationgroup:orders', 'prod-durability', 'durability');

/** What each finding of the seeded fleet must say: compliance, and the ASFF resource type. */
const EXPECTED: Record<string, { compliance: string; type: string; region?: string }> = {
  [ORDERS_DURABILITY]: { compliance: 'FAILED', type: 'AwsElastiCacheReplicationGroup' },
  [idOf('replicationgroup:orders', 'encrypted-at-rest', 'storageEncryption')]: {
    compliance: 'PASSED',
    type: 'AwsElastiCacheReplicationGroup',
  },
  [idOf('replicationgroup:carts', 'prod-durability', 'durability')]: {
    compliance: 'PASSED',
    type: 'AwsElastiCacheReplicationGroup',
  },
  [idOf('replicationgroup:carts', 'encrypted-at-rest', 'storageEncryption')]: {
    compliance: 'PASSED',
    type: 'AwsElastiCacheReplicationGroup',
  },
  [idOf('replicationgroup:legacy', 'prod-durability', 'durability')]: {
    compliance: 'NOT_AVAILABLE',
    type: 'AwsElastiCacheReplicationGroup',
  },
  [idOf('replicationgroup:legacy', 'encrypted-at-rest', 'storageEncryption')]: {
    compliance: 'NOT_AVAILABLE',
    type: 'AwsElastiCacheReplicationGroup',
  },
  [idOf('serverlesscache:sessions', 'encrypted-at-rest', 'storageEncryption')]: {
    compliance: 'PASSED',
    type: 'Other',
  },
  [idOf('serverlesscache:plain', 'encrypted-at-rest', 'storageEncryption')]: {
    compliance: 'FAILED',
    type: 'Other',
  },
};

describe('Job: Security Hub export', () => {
  it('imports, on a first run, one ASFF finding per resource and rule, each field as Security Hub needs it', async () => {
    // Act
    const { report, result } = await scanAndExport();

    // Assess
    const first = new Date(stack.emulator.clock.now()).toISOString();
    expect(result).toEqual({ imported: 8, archived: 0, unchanged: 0, failed: [], superseded: 0 });
    expect(importCalls()).toBe(1);
    expect([...held().keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const finding of report.findings) {
      const id = `${finding.arn}/${finding.rule}/${finding.check}`;
      const expected = EXPECTED[id];
      const failed = expected?.compliance === 'FAILED';
      if (finding.check === 'target') throw new Error(`a target's finding in a scan: ${id}`);
      const check = finding.check;
      expect(held().get(id), id).toMatchObject({
        SchemaVersion: '2018-10-08',
        Id: id,
        ProductArn: PRODUCT_ARN,
        GeneratorId: `elasticache-guardrails/${finding.check}`,
        AwsAccountId: ACCOUNT,
        Region: REGION,
        Types: ['Software and Configuration Checks/AWS Security Best Practices'],
        CreatedAt: first,
        UpdatedAt: first,
        // Both failing checks here (durability, storageEncryption) are high.
        Severity: { Label: failed ? 'HIGH' : 'INFORMATIONAL' },
        FindingProviderFields: {
          Severity: { Label: failed ? 'HIGH' : 'INFORMATIONAL' },
          Types: ['Software and Configuration Checks/AWS Security Best Practices'],
        },
        Title: `${CHECKS[check].metadata.title}: ${finding.resourceId}`,
        Remediation: { Recommendation: { Url: CHECKS[check].metadata.remediation.url } },
        Description: expect.stringContaining(`(rule ${finding.rule})`),
        Resources: [{ Type: expected?.type, Id: finding.arn, Region: REGION, Partition: 'aws' }],
        Compliance: { Status: expected?.compliance },
        // Security Hub's own for a new finding: the app sends none.
        Workflow: { Status: 'NEW' },
        RecordState: 'ACTIVE',
      });
      expect(String(held().get(id)?.Description)).toContain(finding.reason);
    }
  });

  it('imports nothing on an unchanged second run', async () => {
    // Prepare
    await scanAndExport();
    const calls = importCalls();
    stack.emulator.clock.advance(HOUR);

    // Act
    const { result } = await scanAndExport();

    // Assess
    expect(importCalls()).toBe(calls);
    expect(result).toEqual({ imported: 0, archived: 0, unchanged: 8, failed: [], superseded: 0 });
  });

  it('updates a fixed violation to PASSED and informational under the same Id and CreatedAt; the workflow stays the customer’s', async () => {
    // Prepare: the violation is imported, then a customer marks it NOTIFIED (BatchUpdateFindings).
    await scanAndExport();
    const before = held().get(ORDERS_DURABILITY);
    held().set(ORDERS_DURABILITY, { ...before, Id: ORDERS_DURABILITY, Workflow: { Status: 'NOTIFIED' } });
    stack.emulator.clock.advance(HOUR);
    stack.emulator.model.putGroup(groupState('orders', { durability: 'sync', effectiveDurability: 'sync' }));

    // Act
    const { result } = await scanAndExport();

    // Assess: what a provider says of a fixed violation, and nothing of the customer's workflow.
    expect(result).toEqual({ imported: 1, archived: 0, unchanged: 7, failed: [], superseded: 0 });
    const last = stack.emulator.securityHub.imports.at(-1);
    expect(last?.accepted).toEqual([ORDERS_DURABILITY]);
    expect(last?.findings[0]).not.toHaveProperty('Workflow');
    expect(held().get(ORDERS_DURABILITY)).toMatchObject({
      CreatedAt: before?.CreatedAt,
      UpdatedAt: new Date(stack.emulator.clock.now()).toISOString(),
      Compliance: { Status: 'PASSED' },
      Severity: { Label: 'INFORMATIONAL' },
      FindingProviderFields: { Severity: { Label: 'INFORMATIONAL' } },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NOTIFIED' },
    });
  });

  it("archives a deleted group's findings and forgets them", async () => {
    // Prepare
    await scanAndExport();
    stack.emulator.clock.advance(HOUR);
    stack.emulator.model.groups.delete('carts');
    stack.emulator.model.changed('groups');
    const gone = [
      idOf('replicationgroup:carts', 'prod-durability', 'durability'),
      idOf('replicationgroup:carts', 'encrypted-at-rest', 'storageEncryption'),
    ];

    // Act
    const { result } = await scanAndExport();
    const again = await scanAndExport();

    // Assess
    expect(result).toEqual({ imported: 0, archived: 2, unchanged: 6, failed: [], superseded: 0 });
    expect(again.result).toEqual({ imported: 0, archived: 0, unchanged: 6, failed: [], superseded: 0 });
    for (const id of gone) expect(held().get(id)).toMatchObject({ RecordState: 'ARCHIVED' });
    const records = await stack.store.listRecords(securityHubImportKind(SCOPE));
    const recorded = records.map(
      ({ finding }: { finding: Finding }) => `${finding.arn}/${finding.rule}/${finding.check}`,
    );
    expect(recorded).toHaveLength(6);
    for (const id of gone) expect(recorded).not.toContain(id);
  });

  it('retries a refused finding on the next run', async () => {
    // Prepare
    await scanAndExport();
    stack.emulator.clock.advance(HOUR);
    stack.emulator.model.putGroup(groupState('orders', { durability: 'sync', effectiveDurability: 'sync' }));
    stack.emulator.securityHub.refuseNext(ORDERS_DURABILITY, 'InvalidInput', 'try again');

    // Act
    const refused = await scanAndExport();
    const retried = await scanAndExport();

    // Assess
    expect(refused.result).toEqual({
      imported: 0,
      archived: 0,
      unchanged: 7,
      failed: [{ id: ORDERS_DURABILITY, code: 'InvalidInput', message: 'try again' }],
      superseded: 0,
    });
    expect(retried.result).toEqual({ imported: 1, archived: 0, unchanged: 7, failed: [], superseded: 0 });
    expect(held().get(ORDERS_DURABILITY)).toMatchObject({ Compliance: { Status: 'PASSED' } });
  });

  it('ends two overlapping runs with the newer state, in Security Hub and in the record, when the older import lands last', async () => {
    // Prepare: the older run saw the violation, the newer one (an hour later) saw it fixed.
    const older = (await scanDurability(stack.durabilityDeps(), { policy, dryRun: true })).findings;
    stack.emulator.model.putGroup(groupState('orders', { durability: 'sync', effectiveDurability: 'sync' }));
    const newer = (await scanDurability(stack.durabilityDeps(), { policy, dryRun: true })).findings;
    const t0 = new Date(stack.emulator.clock.now());
    const t1 = new Date(t0.getTime() + HOUR);
    const hold = stack.emulator.securityHub.holdNextImport();

    // Act: the older run's import is held in the sandbox until the newer run has finished.
    const olderRun = exportAt(older, t0);
    await hold.arrived;
    const newerResult = await exportAt(newer, t1);
    hold.release();
    const olderResult = await olderRun;

    // Assess
    expect(newerResult).toMatchObject({ imported: 8, failed: [], superseded: 0 });
    expect(olderResult).toMatchObject({ imported: 0, failed: [], superseded: 8 });
    expect(stack.emulator.securityHub.imports.at(-1)?.ignored).toHaveLength(8);
    expect(held().get(ORDERS_DURABILITY)).toMatchObject({
      UpdatedAt: t1.toISOString(),
      Compliance: { Status: 'PASSED' },
    });
    const record = await stack.store.readRecord(securityHubImportKind(SCOPE), ORDERS_DURABILITY);
    expect(record).toMatchObject({ compliance: 'PASSED', updatedAt: t1.toISOString() });
    // The next run finds the newer state recorded: nothing to import.
    stack.emulator.clock.advance(2 * HOUR);
    expect((await scanAndExport()).result).toMatchObject({ imported: 0, unchanged: 8 });
  });
});
