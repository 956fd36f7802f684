import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { captureIo } from '../../cli-io.js';
import { expectEvery } from '../../expect-every.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`;

/** Two rules, so that filters by rule have something to tell apart. */
const TWO_RULES = `${POLICY}  - name: any-durability
    match: { resourceTypes: [replication-group] }
    durability: { minimum: async }
`;

const arn = (id: string) => `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`;
const group = (id: string, effective: 'sync' | 'async' | undefined): ReplicationGroup => ({
  ReplicationGroupId: id,
  ARN: arn(id),
  Status: 'available',
  Engine: 'valkey',
  ...(effective === undefined ? {} : { EffectiveDurability: effective }),
});

describe('Command: scan', () => {
  const elasticache = mockClient(ElastiCacheClient);
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);
  let dir: string;
  let policyPath: string;

  beforeEach(async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    dir = await mkdtemp(join(tmpdir(), 'guardrails-cli-'));
    policyPath = join(dir, 'policy.yaml');
    await writeFile(policyPath, POLICY);
    elasticache.on(DescribeServerlessCachesCommand).resolves({});
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: ['orders-1', 'orders-2', 'legacy'].map((id) => ({
        ResourceARN: arn(id),
        Tags: [{ Key: 'env', Value: 'prod' }],
      })),
    });
  });

  afterEach(() => {
    elasticache.reset();
    tagging.reset();
    vi.unstubAllEnvs();
  });

  it('prints JSON findings, violations first, with a summary and exits 1 when a violation is present', async () => {
    // Prepare
    elasticache.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [group('orders-2', 'async'), group('orders-1', 'sync'), group('legacy', undefined)],
    });
    const io = captureIo();

    // Act
    const code = await runCli(['scan', '--policy', policyPath], io);

    // Assess
    expect(code).toBe(EXIT.violations);
    const report = JSON.parse(io.out());
    expect(
      report.findings.map((finding: { resourceId: string; status: string }) => [
        finding.resourceId,
        finding.status,
      ]),
    ).toEqual([
      ['orders-2', 'violation'],
      ['legacy', 'unknown'],
      ['orders-1', 'compliant'],
    ]);
    expect(report.summary.byStatus).toMatchObject({ compliant: 1, violation: 1, unknown: 1 });
  });

  it('exits 0 when everything complies and writes csv to --output', async () => {
    // Prepare
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [group('orders-1', 'sync')] });
    const io = captureIo();
    const output = join(dir, 'report.csv');

    // Act
    const code = await runCli(['scan', '--policy', policyPath, '--format', 'csv', '--output', output], io);

    // Assess
    expect(code).toBe(EXIT.compliant);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe(
      'resourceType,resourceId,rule,check,status,expected,observed,action,reason,arn,account,region',
    );
    expect(lines[1]).toMatch(/^replication-group,orders-1,prod-durability,durability,compliant,/);
    expect(io.out()).toBe('');
  });

  it('exits 2 with the line-precise policy error and no stack trace', async () => {
    // Prepare
    await writeFile(policyPath, POLICY.replace('minimum: sync', 'minimum: syncc'));
    const io = captureIo();

    // Act
    const code = await runCli(['scan', '--policy', policyPath], io);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(io.err()).toMatch(/policy\.yaml:5 rules\[0\]\.durability\.minimum: .*syncc/);
    expect(io.err().trim().split('\n')).toHaveLength(1);
    expect(elasticache).not.toHaveReceivedCommand(DescribeReplicationGroupsCommand);
  });

  it('exits 3 naming the API call when AWS refuses', async () => {
    // Prepare
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied', $metadata: {} }));
    const io = captureIo();

    // Act
    const code = await runCli(['scan', '--policy', policyPath], io);

    // Assess
    expect(code).toBe(EXIT.aws);
    expect(io.err()).toBe(
      'guardrails: DescribeReplicationGroups failed: AccessDenied: User is not authorized\n',
    );
  });

  it('exits 2 on an unknown format, listing the valid ones', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await runCli(['scan', '--format', 'xml'], io);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(io.err()).toContain('Allowed choices are table, json, csv, markdown');
  });

  it('renders a markdown table with one row per finding', async () => {
    // Prepare
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [group('orders-2', 'async')] });
    const io = captureIo();

    // Act
    await runCli(['scan', '--policy', policyPath, '--format', 'markdown'], io);

    // Assess
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\| --- \|/);
    expect(lines[2]).toMatch(
      /^\| replication-group \| orders-2 \| prod-durability \| durability \| violation \|/,
    );
  });
  describe('Filters and summary', () => {
    beforeEach(async () => {
      await writeFile(policyPath, TWO_RULES);
      elasticache.on(DescribeReplicationGroupsCommand).resolves({
        ReplicationGroups: [
          group('orders-2', 'async'),
          group('orders-1', 'sync'),
          group('legacy', undefined),
        ],
      });
    });

    const shown = (out: string) =>
      (JSON.parse(out).findings as { resourceId: string; rule: string; status: string }[]).map(
        (finding) => `${finding.status} ${finding.resourceId} ${finding.rule}`,
      );

    it('orders violations first, then unknown, then compliant; within a status by resource, then rule', async () => {
      // Prepare
      const io = captureIo();

      // Act
      await runCli(['scan', '--policy', policyPath], io);

      // Assess
      expect(shown(io.out())).toEqual([
        'violation orders-2 prod-durability',
        'unknown legacy any-durability',
        'unknown legacy prod-durability',
        'compliant orders-1 any-durability',
        'compliant orders-1 prod-durability',
        'compliant orders-2 any-durability',
      ]);
    });

    it('--status keeps the findings of those statuses only', async () => {
      // Prepare
      const io = captureIo();

      // Act
      await runCli(['scan', '--policy', policyPath, '--status', 'unknown', 'violation'], io);

      // Assess
      expect(shown(io.out())).toEqual([
        'violation orders-2 prod-durability',
        'unknown legacy any-durability',
        'unknown legacy prod-durability',
      ]);
    });

    it('still exits 1 when the filter hides every violation', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await runCli(['scan', '--policy', policyPath, '--status', 'compliant'], io);

      // Assess
      expectEvery(shown(io.out()), (line) => line.startsWith('compliant '), 'shown lines');
      expect(code).toBe(EXIT.violations);
    });

    it('--rule keeps the findings of those rules only', async () => {
      // Prepare
      const io = captureIo();

      // Act
      await runCli(['scan', '--policy', policyPath, '--rule', 'any-durability'], io);

      // Assess
      expect(shown(io.out())).toEqual([
        'unknown legacy any-durability',
        'compliant orders-1 any-durability',
        'compliant orders-2 any-durability',
      ]);
    });

    it('--resource keeps the resources whose id matches the glob', async () => {
      // Prepare
      const io = captureIo();

      // Act
      await runCli(['scan', '--policy', policyPath, '--resource', 'orders-[2-9]'], io);

      // Assess
      expect(shown(io.out())).toEqual([
        'violation orders-2 prod-durability',
        'compliant orders-2 any-durability',
      ]);
    });

    it('exits 2 on a status that does not exist or a glob that is not one', async () => {
      // Prepare
      const badStatus = captureIo();
      const badGlob = captureIo();

      // Act
      const statusCode = await runCli(['scan', '--policy', policyPath, '--status', 'broken'], badStatus);
      const globCode = await runCli(['scan', '--policy', policyPath, '--resource', 'orders-['], badGlob);

      // Assess
      expect(statusCode).toBe(EXIT.usage);
      expect(badStatus.err()).toContain('compliant, violation, degraded, exempt, unknown, error');
      expect(globCode).toBe(EXIT.usage);
      expect(badGlob.err()).toContain('never closed');
    });

    it('ends a table with a summary line of the whole fleet and of what is shown', async () => {
      // Prepare
      const io = captureIo();

      // Act
      await runCli(['scan', '--policy', policyPath, '--format', 'table', '--status', 'violation'], io);

      // Assess
      const lines = io.out().trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines.at(-1)).toBe(
        '6 findings: 1 violation, 2 unknown, 3 compliant (showing 1: --status violation)',
      );
    });

    it('fits the table in an 80-column terminal: cells cut with an ellipsis, every reason whole', async () => {
      // Prepare
      const io = captureIo({ columns: 80 });
      const json = captureIo();
      await runCli(['scan', '--policy', policyPath], json);
      const reasons = (JSON.parse(json.out()) as { findings: { reason: string }[] }).findings.map(
        (finding) => finding.reason,
      );

      // Act
      await runCli(['scan', '--policy', policyPath], io);

      // Assess
      const lines = io.out().trimEnd().split('\n');
      expect(lines.filter((line) => line.length > 80)).toEqual([]);
      expect(io.out()).toContain('…');
      const flat = io.out().replace(/\s+/g, ' ');
      expect(reasons.filter((reason) => !flat.includes(reason))).toEqual([]);
    });

    it('never cuts a table that does not go to a terminal', async () => {
      // Prepare
      const io = captureIo();

      // Act
      await runCli(['scan', '--policy', policyPath, '--format', 'table'], io);

      // Assess
      expect(io.out()).not.toContain('…');
      expect(
        Math.max(
          ...io
            .out()
            .split('\n')
            .map((line) => line.length),
        ),
      ).toBeGreaterThan(80);
    });

    it('gives each CSV and JSON finding its ARN, account and region', async () => {
      // Prepare
      const csv = captureIo();
      const json = captureIo();

      // Act
      await runCli(['scan', '--policy', policyPath, '--format', 'csv', '--resource', 'legacy'], csv);
      await runCli(['scan', '--policy', policyPath, '--resource', 'legacy'], json);

      // Assess
      const [header, row] = csv.out().split('\n');
      expect(header?.split(',').slice(-3)).toEqual(['arn', 'account', 'region']);
      expect(row?.split(',').slice(-3)).toEqual([arn('legacy'), '123456789012', 'us-east-1']);
      expect(JSON.parse(json.out()).findings[0]).toMatchObject({
        arn: arn('legacy'),
        account: '123456789012',
        region: 'us-east-1',
      });
    });
  });
});
