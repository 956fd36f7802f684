import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  DeleteCommand,
  type DeleteCommandInput,
  DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecurityHubImporter } from '../../../shared/aws/security-hub.js';
import { StateStore } from '../../../shared/aws/state-store.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { exportFindings } from '../../../shared/jobs/security-hub-export.js';

const securityHub = mockClient(SecurityHubClient);
const documents = mockClient(DynamoDBDocumentClient);
const SCOPE = { account: '123456789012', region: 'us-east-1' };
const T0 = new Date('2026-11-25T10:00:00Z');
const T1 = new Date('2026-11-25T11:00:00Z');

/** The state table as the mocked document client sees it: `pk` -> `sk` -> item. */
let table: Map<string, Map<string, Record<string, unknown>>>;
/** Ids Security Hub refuses on the next call. */
let refuse: Set<string>;

function finding(group: string, overrides: Partial<Finding> = {}): Finding {
  return {
    resourceType: 'replication-group',
    resourceId: group,
    arn: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${group}`,
    rule: 'prod',
    check: 'durability',
    status: 'violation',
    expected: 'sync',
    observed: 'disabled',
    reason: 'EffectiveDurability is disabled',
    action: null,
    ...overrides,
  };
}

const run = (findings: Finding[], now: Date) =>
  exportFindings(
    {
      securityHub: new SecurityHubImporter({ region: SCOPE.region, maxAttempts: 1 }),
      store: new StateStore('guardrails-state', { region: SCOPE.region, maxAttempts: 1 }),
      now: () => now,
    },
    SCOPE,
    findings,
  );

/** Every finding sent to BatchImportFindings since the last reset, in order. */
const imported = (): AwsSecurityFinding[] =>
  securityHub.commandCalls(BatchImportFindingsCommand).flatMap((call) => call.args[0].input.Findings ?? []);

describe('Function: exportFindings', () => {
  beforeEach(() => {
    securityHub.reset();
    documents.reset();
    table = new Map();
    refuse = new Set();
    documents.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      const pk = String(input.ExpressionAttributeValues?.[':pk']);
      return { Items: [...(table.get(pk)?.values() ?? [])] };
    });
    documents.on(PutCommand).callsFake((input: PutCommandInput) => {
      const item = input.Item ?? {};
      const partition = table.get(String(item.pk)) ?? new Map();
      partition.set(String(item.sk), item);
      table.set(String(item.pk), partition);
      return {};
    });
    documents.on(DeleteCommand).callsFake((input: DeleteCommandInput) => {
      table.get(String(input.Key?.pk))?.delete(String(input.Key?.sk));
      return {};
    });
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      const sent = input.Findings ?? [];
      const failed = sent.filter((one) => refuse.has(String(one.Id)));
      refuse.clear();
      return {
        FailedCount: failed.length,
        SuccessCount: sent.length - failed.length,
        FailedFindings: failed.map((one) => ({
          Id: one.Id,
          ErrorCode: 'InvalidInput',
          ErrorMessage: 'no',
        })),
      };
    });
  });

  it('imports every finding of a first run and records each under its target', async () => {
    // Act
    const result = await run([finding('orders'), finding('carts')], T0);

    // Assess
    expect(result).toEqual({ imported: 2, archived: 0, unchanged: 0, failed: [], superseded: 0 });
    expect(imported().map((sent) => sent.ProductArn)).toEqual([
      'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
      'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
    ]);
    expect([...(table.get('securityhub#123456789012#us-east-1')?.keys() ?? [])].sort()).toEqual([
      'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:carts/prod/durability',
      'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders/prod/durability',
    ]);
  });

  it('imports nothing when nothing changed, even at a later time', async () => {
    // Prepare
    await run([finding('orders'), finding('carts')], T0);
    securityHub.resetHistory();

    // Act
    const result = await run([finding('orders'), finding('carts')], T1);

    // Assess
    expect(result).toEqual({ imported: 0, archived: 0, unchanged: 2, failed: [], superseded: 0 });
    expect(securityHub).not.toHaveReceivedCommand(BatchImportFindingsCommand);
  });

  it('imports a changed finding only, under the same Id and CreatedAt, PASSED and informational once fixed', async () => {
    // Prepare
    await run([finding('orders'), finding('carts')], T0);
    securityHub.resetHistory();
    const fixed = finding('orders', {
      status: 'compliant',
      observed: 'sync',
      reason: 'EffectiveDurability is sync',
    });

    // Act
    const result = await run([fixed, finding('carts')], T1);

    // Assess
    expect(result).toEqual({ imported: 1, archived: 0, unchanged: 1, failed: [], superseded: 0 });
    expect(imported()).toMatchObject([
      {
        Id: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders/prod/durability',
        CreatedAt: T0.toISOString(),
        UpdatedAt: T1.toISOString(),
        Compliance: { Status: 'PASSED' },
        Severity: { Label: 'INFORMATIONAL' },
        FindingProviderFields: { Severity: { Label: 'INFORMATIONAL' } },
        RecordState: 'ACTIVE',
      },
    ]);
    expect(imported()[0]).not.toHaveProperty('Workflow');
  });

  it('keeps the last known FAILED state of a finding that errors, marked stale, and resolves nothing', async () => {
    // Prepare: a violation imported; then a throttled read makes this run's finding an error.
    await run([finding('orders')], T0);
    securityHub.resetHistory();
    const throttled = finding('orders', {
      status: 'error',
      observed: 'unknown',
      reason: 'DescribeReplicationGroups was throttled (ThrottlingException)',
    });
    const T2 = new Date('2026-11-25T12:00:00Z');

    // Act
    const erroring = await run([throttled], T1);
    const stillErroring = await run([throttled], T2);

    // Assess: the violation stays FAILED with its severity, marked stale once; still stale, nothing more.
    expect(erroring).toEqual({ imported: 1, archived: 0, unchanged: 0, failed: [], superseded: 0 });
    expect(stillErroring).toEqual({ imported: 0, archived: 0, unchanged: 1, failed: [], superseded: 0 });
    expect(imported()).toMatchObject([
      {
        UpdatedAt: T1.toISOString(),
        Compliance: { Status: 'FAILED' },
        Severity: { Label: 'HIGH' },
        RecordState: 'ACTIVE',
        ProductFields: { status: 'violation', stale: 'true', staleReason: throttled.reason },
      },
    ]);
  });

  it('imports the fresh state once the error is gone, without the stale mark', async () => {
    // Prepare
    await run([finding('orders')], T0);
    await run([finding('orders', { status: 'error', reason: 'throttled' })], T1);
    securityHub.resetHistory();

    // Act
    const result = await run([finding('orders')], new Date('2026-11-25T12:00:00Z'));

    // Assess
    expect(result).toMatchObject({ imported: 1, unchanged: 0 });
    expect(imported()[0]?.Compliance).toEqual({ Status: 'FAILED' });
    expect(imported()[0]?.ProductFields).not.toHaveProperty('stale');
  });

  it('archives a finding absent from the run once, then forgets it', async () => {
    // Prepare
    await run([finding('orders'), finding('carts')], T0);
    securityHub.resetHistory();

    // Act
    const first = await run([finding('carts')], T1);
    const second = await run([finding('carts')], T1);

    // Assess
    expect(first).toEqual({ imported: 0, archived: 1, unchanged: 1, failed: [], superseded: 0 });
    expect(second).toEqual({ imported: 0, archived: 0, unchanged: 1, failed: [], superseded: 0 });
    expect(imported()).toMatchObject([
      {
        Id: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders/prod/durability',
        RecordState: 'ARCHIVED',
        CreatedAt: T0.toISOString(),
      },
    ]);
    expect([...(table.get('securityhub#123456789012#us-east-1')?.keys() ?? [])]).toEqual([
      'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:carts/prod/durability',
    ]);
  });

  it('keeps the old state of a refused finding, so the next run imports it again', async () => {
    // Prepare
    const id = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders/prod/durability';
    await run([finding('orders')], T0);
    const fixed = finding('orders', { status: 'compliant', observed: 'sync' });
    refuse.add(id);

    // Act
    const refused = await run([fixed], T1);
    securityHub.resetHistory();
    const retried = await run([fixed], T1);

    // Assess
    expect(refused).toEqual({
      imported: 0,
      archived: 0,
      unchanged: 0,
      failed: [{ id, code: 'InvalidInput', message: 'no' }],
      superseded: 0,
    });
    expect(retried).toEqual({ imported: 1, archived: 0, unchanged: 0, failed: [], superseded: 0 });
    expect(imported()).toMatchObject([
      { Id: id, Compliance: { Status: 'PASSED' }, CreatedAt: T0.toISOString() },
    ]);
  });

  it('keeps a refused archive, so the next run archives it again', async () => {
    // Prepare
    const id = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders/prod/durability';
    await run([finding('orders')], T0);
    refuse.add(id);

    // Act
    const refused = await run([], T1);
    const retried = await run([], T1);

    // Assess
    expect(refused.failed.map((failure) => failure.id)).toEqual([id]);
    expect(retried).toEqual({ imported: 0, archived: 1, unchanged: 0, failed: [], superseded: 0 });
    expect(table.get('securityhub#123456789012#us-east-1')?.size).toBe(0);
  });

  it('sends no secret that a finding text might carry', async () => {
    // Act
    await run([finding('orders', { reason: 'AUTH s3cr3t-token rejected by redis://user:pw@host:6379' })], T0);

    // Assess
    const [sent] = imported();
    expect(sent?.Description).not.toContain('s3cr3t-token');
    expect(sent?.Description).not.toContain('pw@');
    expect(
      JSON.stringify(table.get('securityhub#123456789012#us-east-1')?.values().next().value),
    ).not.toContain('s3cr3t');
  });

  it('refuses a finding of another account than the target, naming it', async () => {
    // Act
    const exported = run(
      [
        finding('orders'),
        { ...finding('other'), arn: 'arn:aws:elasticache:us-east-1:210987654321:replicationgroup:other' },
      ],
      T0,
    );

    // Assess
    await expect(exported).rejects.toThrow(
      'findings[1].arn: arn:aws:elasticache:us-east-1:210987654321:replicationgroup:other is not in account 123456789012',
    );
    expect(securityHub).not.toHaveReceivedCommand(BatchImportFindingsCommand);
  });
});
