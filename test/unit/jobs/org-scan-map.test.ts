import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanObjects } from '../../../shared/aws/scan-objects.js';
import { accountItemSchema, accountItems, crossTargets } from '../../../shared/domain/targets.js';
import { summarizeScan, type TargetList } from '../../../shared/jobs/org-scan.js';
import {
  orgScanTaskSchema,
  reportSummary,
  summarizeMapRun,
  writeTargetList,
} from '../../../shared/jobs/org-scan-map.js';
import { failedTarget } from '../../../shared/jobs/target-scan.js';
import { DEFAULT_ENABLED_REGIONS } from '../../regions.js';

const s3 = mockClient(S3Client);
const BUCKET = 'guardrails-prod-scanbucket-1a2b3c';
const accountsOf = (count: number) =>
  Array.from({ length: count }, (_, index) => String(100_000_000_000 + index));
const objects = () => new ScanObjects(BUCKET, { region: 'us-east-1', maxAttempts: 1 });

/** A listing of `count` accounts x 17 regions, one account that failed and one skipped. */
function listOf(count: number): TargetList {
  const unlisted = { account: '999999999999', region: '*' };
  return {
    items: accountItems(crossTargets(accountsOf(count), DEFAULT_ENABLED_REGIONS)),
    failed: [
      failedTarget(unlisted, {
        resourceType: 'target',
        resourceId: '999999999999/*',
        arn: 'arn:aws:elasticache:*:999999999999:*',
        rule: '*',
        check: 'target',
        status: 'error',
        expected: 'reachable',
        observed: 'AccessDenied',
        reason: 'the role cannot be assumed',
        action: null,
      }),
    ],
    skipped: [{ account: '888888888888', state: 'SUSPENDED' }],
    concurrency: 10,
  };
}

/** The bodies written, by key. */
function written(): Map<string, string> {
  return new Map(
    s3
      .commandCalls(PutObjectCommand)
      .map((call) => [String(call.args[0].input.Key), String(call.args[0].input.Body)]),
  );
}

/** Answer GetObject from `held` (key → JSON value). */
function holding(held: Record<string, unknown>) {
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    if (!(input.Key in held))
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    const text = JSON.stringify(held[input.Key]);
    return { Body: { transformToString: async () => text } };
  });
}

afterEach(() => {
  s3.reset();
});

/** What the listing learnt of the previous version's shared partitions. */
const LEFT = { legacyLayout: true };
const EMPTY = { legacyLayout: false };

describe('Function: writeTargetList', () => {
  it('writes one JSON line per account with its regions, and answers keys and counts only', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const listed = await writeTargetList(objects(), 'scan-2026-12-07', listOf(3), LEFT);

    // Assess
    expect(listed).toEqual({
      bucket: BUCKET,
      key: 'runs/scan-2026-12-07/targets.jsonl',
      resultsPrefix: 'runs/scan-2026-12-07/results',
      unscannedKey: 'runs/scan-2026-12-07/unscanned.json',
      accounts: 3,
      targets: 51,
      failed: 1,
      skipped: 1,
      concurrency: 10,
      legacyLayout: true,
    });
    const lines = (written().get(listed.key) ?? '').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual(
      accountsOf(3).map((account) => ({ account, regions: DEFAULT_ENABLED_REGIONS })),
    );
    expect(JSON.parse(written().get(listed.unscannedKey) ?? '{}')).toEqual({
      failed: listOf(3).failed,
      skipped: listOf(3).skipped,
    });
  });

  it('marks every account legacyLayout: false when the previous version left nothing to move', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const listed = await writeTargetList(objects(), 'scan-2026-12-07', listOf(3), EMPTY);

    // Assess: the children are told not to read the shared partitions; the run's state says so too.
    expect(listed.legacyLayout).toBe(false);
    const lines = (written().get(listed.key) ?? '').split('\n').slice(0, -1);
    expect(lines.map((line) => JSON.parse(line))).toEqual(
      accountsOf(3).map((account) => ({ account, regions: DEFAULT_ENABLED_REGIONS, legacyLayout: false })),
    );
    expect(lines.map((line) => accountItemSchema.safeParse(JSON.parse(line)).success)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('answers the same few hundred bytes for 1 000 accounts x 17 regions as for 3', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const small = await writeTargetList(objects(), 'scan-1', listOf(3), EMPTY);
    const large = await writeTargetList(objects(), 'scan-1', listOf(1000), EMPTY);

    // Assess
    expect(large).toMatchObject({ accounts: 1000, targets: 17_000 });
    expect(JSON.stringify(large).length).toBeLessThan(400);
    expect(JSON.stringify(large).length - JSON.stringify(small).length).toBeLessThan(10);
    expect((written().get(large.key) ?? '').split('\n')).toHaveLength(1001);
  });

  it('refuses an execution name S3 keys cannot carry, before any call', async () => {
    // Act / Assess
    await expect(writeTargetList(objects(), 'runs/../other', listOf(1), EMPTY)).rejects.toThrow(
      'expected a Step Functions execution name',
    );
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('Function: summarizeMapRun', () => {
  const manifestKey = 'runs/scan-1/results/run-id/manifest.json';
  const complete = (account: string, region: string) => ({
    target: { account, region },
    status: 'complete',
    findings: { compliant: 2, violation: 1 },
    actions: {},
    alerts: 0,
  });
  const entry = (status: string, item: object, extra: object) => ({
    ExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:org-scan/ScanTargets:x',
    Input: JSON.stringify(item),
    InputDetails: { Included: true },
    Name: 'x',
    Status: status,
    ...extra,
  });

  it("adds up the children's results from the manifest's files as summarizeScan adds up the same results", async () => {
    // Prepare: two accounts scanned, one whose function failed (AccountFailed), one whose child failed outright.
    const [first, second, third, fourth] = accountsOf(4) as [string, string, string, string];
    const regions = ['eu-west-1', 'us-east-1'];
    const results = [...regions.map((region) => complete(first, region)), complete(second, 'eu-west-1')];
    const cause = '{"errorMessage":"the state table refused the write"}';
    const list = listOf(1);
    holding({
      'runs/scan-1/unscanned.json': { failed: list.failed, skipped: list.skipped },
      [manifestKey]: {
        DestinationBucket: BUCKET,
        MapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:org-scan/ScanTargets:run-id',
        ResultFiles: {
          FAILED: [{ Key: 'runs/scan-1/results/run-id/FAILED_0.json', Size: 1 }],
          PENDING: [],
          SUCCEEDED: [{ Key: 'runs/scan-1/results/run-id/SUCCEEDED_0.json', Size: 1 }],
        },
      },
      'runs/scan-1/results/run-id/SUCCEEDED_0.json': [
        entry(
          'SUCCEEDED',
          { account: first, regions },
          { Output: JSON.stringify({ account: first, results: results.slice(0, 2) }) },
        ),
        entry(
          'SUCCEEDED',
          { account: second, regions: ['eu-west-1'] },
          { Output: JSON.stringify({ account: second, results: results.slice(2) }) },
        ),
        entry(
          'SUCCEEDED',
          { account: third, regions },
          {
            Output: JSON.stringify({ account: third, regions, status: 'failed', cause }),
          },
        ),
      ],
      'runs/scan-1/results/run-id/FAILED_0.json': [
        entry(
          'FAILED',
          { account: fourth, regions: ['eu-west-1'] },
          { Error: 'States.Timeout', Cause: 'the child timed out' },
        ),
      ],
    });

    // Act
    const summary = await summarizeMapRun(objects(), {
      unscannedKey: 'runs/scan-1/unscanned.json',
      manifest: { Bucket: BUCKET, Key: manifestKey },
    });

    // Assess
    const failedRegion = (account: string, region: string, why: string) => ({
      target: { account, region },
      status: 'failed',
      findings: { error: 1 },
      cause: why,
    });
    const whole = summarizeScan(
      [
        ...results,
        ...regions.map((region) => failedRegion(third, region, cause)),
        failedRegion(fourth, 'eu-west-1', 'States.Timeout: the child timed out'),
        ...list.failed,
      ],
      list.skipped,
    );
    expect(summary).toEqual({ ...whole, fullSummary: `s3://${BUCKET}/runs/scan-1/summary.json` });
    expect(JSON.parse(written().get('runs/scan-1/summary.json') ?? '')).toEqual(whole);
    expect(summary).toMatchObject({ targets: 7, complete: 3, failed: 4, skipped: 1 });
    expect(summary.failures).toContain(`${third}/us-east-1: the state table refused the write`);
    expect(summary.failures).toContain(`${fourth}/eu-west-1: States.Timeout: the child timed out`);
  });

  it('answers a summary under the 256 KiB state limit at 17 000 failed targets, the whole one in S3', async () => {
    // Prepare: 1 000 accounts x 17 regions whose runs all failed with a long cause, 40 targets whose
    // Security Hub import failed, 600 accounts skipped for their State.
    const accounts = accountsOf(1000);
    const cause = `{"errorMessage":"the state table refused the write: ${'x'.repeat(2000)}"}`;
    const exported = accountsOf(1040).slice(1000);
    const skipped = accountsOf(1640)
      .slice(1040)
      .map((account) => ({ account, state: 'SUSPENDED' }));
    holding({
      'runs/scan-1/unscanned.json': { failed: [], skipped },
      [manifestKey]: {
        DestinationBucket: BUCKET,
        ResultFiles: { SUCCEEDED: [{ Key: 'runs/scan-1/results/run-id/SUCCEEDED_0.json' }] },
      },
      'runs/scan-1/results/run-id/SUCCEEDED_0.json': [
        ...accounts.map((account) =>
          entry(
            'SUCCEEDED',
            { account, regions: DEFAULT_ENABLED_REGIONS },
            {
              Output: JSON.stringify({ account, regions: DEFAULT_ENABLED_REGIONS, status: 'failed', cause }),
            },
          ),
        ),
        ...exported.map((account) =>
          entry(
            'SUCCEEDED',
            { account, regions: ['eu-west-1'] },
            {
              Output: JSON.stringify({
                account,
                results: [
                  {
                    ...complete(account, 'eu-west-1'),
                    securityHub: { error: `BatchImportFindings failed: ${'y'.repeat(1000)}` },
                  },
                ],
              }),
            },
          ),
        ),
      ],
    });

    // Act
    const summary = await summarizeMapRun(objects(), {
      unscannedKey: 'runs/scan-1/unscanned.json',
      manifest: { Bucket: BUCKET, Key: manifestKey },
    });

    // Assess
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(64 * 1024);
    expect(summary).toMatchObject({ targets: 17_040, complete: 40, failed: 17_000, skipped: 600 });
    expect(summary.findings.error).toBe(17_000);
    expect(summary.failures).toHaveLength(20);
    expect(summary.failures[0]).toMatch(
      /^\d{12}\/\S+: the state table refused the write: x+… \(\d+ chars\)$/,
    );
    expect(summary.exportFailures).toHaveLength(20);
    expect(summary.skippedAccounts).toHaveLength(20);
    expect(summary.notListed).toEqual({ failures: 16_980, exportFailures: 20, skippedAccounts: 580 });
    expect(summary.fullSummary).toBe(`s3://${BUCKET}/runs/scan-1/summary.json`);
    const whole = JSON.parse(written().get('runs/scan-1/summary.json') ?? '');
    expect(whole.failures).toHaveLength(17_000);
    expect(whole.failures).toContain(
      `${accounts[999]}/${DEFAULT_ENABLED_REGIONS[16]}: ${JSON.parse(cause).errorMessage}`,
    );
    expect(whole.exportFailures).toHaveLength(40);
    expect(whole.skippedAccounts).toHaveLength(600);
  });

  it("refuses a manifest outside the deployment's scan bucket, before any call", async () => {
    // Act / Assess
    await expect(
      summarizeMapRun(objects(), {
        unscannedKey: 'runs/scan-1/unscanned.json',
        manifest: { Bucket: 'someone-elses-bucket', Key: manifestKey },
      }),
    ).rejects.toThrow(
      `manifest.Bucket: someone-elses-bucket is not this deployment's scan bucket (${BUCKET})`,
    );
    expect(s3.calls()).toHaveLength(0);
  });

  it('names the object and field of a manifest that is not what the Map wrote', async () => {
    // Prepare
    holding({
      'runs/scan-1/unscanned.json': { failed: [], skipped: [] },
      [manifestKey]: { MapRunArn: 'arn' },
    });

    // Act / Assess
    await expect(
      summarizeMapRun(objects(), {
        unscannedKey: 'runs/scan-1/unscanned.json',
        manifest: { Bucket: BUCKET, Key: manifestKey },
      }),
    ).rejects.toThrow(
      new RegExp(`s3://${BUCKET}/${manifestKey} is not what the scan wrote: .*DestinationBucket`, 's'),
    );
  });
});

describe('Schema: orgScanTaskSchema', () => {
  it("takes each task's input as infra/org-scan.asl.yaml sends it", () => {
    // Act
    const inputs = [
      { action: 'claim', execution: 'scan-1', timeoutSeconds: 3600 },
      { action: 'release', execution: 'scan-1' },
      { action: 'list', execution: 'scan-1' },
      {
        action: 'summarize',
        unscannedKey: 'runs/scan-1/unscanned.json',
        manifest: { Bucket: BUCKET, Key: 'm' },
      },
    ].map((input) => orgScanTaskSchema.safeParse(input).success);

    // Assess
    expect(inputs).toEqual([true, true, true, true]);
  });

  it('refuses an unknown action, a claim without its timeout and a listing whose name S3 keys cannot carry', () => {
    // Act
    const refused = [
      { action: 'scan', execution: 'scan-1' },
      { action: 'claim', execution: 'scan-1' },
      { action: 'list', execution: 'runs/../other' },
    ].map((input) => orgScanTaskSchema.safeParse(input).error?.issues[0]?.path.join('.'));

    // Assess
    expect(refused).toEqual(['action', 'timeoutSeconds', 'execution']);
  });
});

describe('Function: reportSummary', () => {
  const levelOf = (failures: { failed: number; exportFailures: string[] }) => {
    const lines: string[] = [];
    const logger = { info: () => lines.push('info'), warn: () => lines.push('warn') };
    reportSummary({ ...summarizeScan([], []), ...failures }, logger);
    return lines;
  };

  it('warns when a target failed or an export did not go through, and only then', () => {
    // Act / Assess
    expect(levelOf({ failed: 0, exportFailures: [] })).toEqual(['info']);
    expect(levelOf({ failed: 1, exportFailures: [] })).toEqual(['warn']);
    expect(levelOf({ failed: 0, exportFailures: ['111111111111/us-east-1: denied'] })).toEqual(['warn']);
  });
});
