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
import { type CliIo, EXIT, runCli } from '../../../shared/cli/main.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`;

const arn = (id: string) => `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`;
const group = (id: string, effective: 'sync' | 'async' | undefined): ReplicationGroup => ({
  ReplicationGroupId: id,
  ARN: arn(id),
  Status: 'available',
  Engine: 'valkey',
  ...(effective === undefined ? {} : { EffectiveDurability: effective }),
});

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    isTTY: false,
    out: () => out,
    err: () => err,
  };
}

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

  it('prints JSON findings with a summary and exits 1 when a violation is present', async () => {
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
      ['legacy', 'unknown'],
      ['orders-1', 'compliant'],
      ['orders-2', 'violation'],
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
    expect(lines[0]).toBe('resourceType,resourceId,rule,check,status,expected,observed,action,reason');
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
});
