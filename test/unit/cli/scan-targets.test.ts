import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { captureIo } from '../../cli-io.js';

const POLICY = `version: 1
rules:
  - name: any-durability
    match: { resourceTypes: [replication-group] }
    durability: { minimum: async }
`;
const OWN = '123456789012';
const DENIED = '333333333333';
const EXTERNAL_ID = 'ext-id-s3cr3t-0123456789';

/** Each account's credentials are named after it: `AKIA<account>`. */
const keyOf = (account: string) => `AKIA${account}`;
const arn = (account: string, region: string, id: string) =>
  `arn:aws:elasticache:${region}:${account}:replicationgroup:${id}`;

describe('Command: scan over targets', () => {
  const elasticache = mockClient(ElastiCacheClient);
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);
  const sts = mockClient(STSClient);
  let policyPath: string;

  /** Who is calling and where: the account the credentials name, the client's region. */
  async function caller(client: ElastiCacheClient | ResourceGroupsTaggingAPIClient) {
    const { accessKeyId } = await client.config.credentials();
    return { account: accessKeyId.slice(4), region: await client.config.region() };
  }

  beforeEach(async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', keyOf(OWN));
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const dir = await mkdtemp(join(tmpdir(), 'guardrails-cli-'));
    policyPath = join(dir, 'policy.yaml');
    await writeFile(policyPath, POLICY);
    sts.on(GetCallerIdentityCommand).resolves({ Account: OWN });
    sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
      const account = input.RoleArn.split(':')[4] ?? '';
      if (account === DENIED)
        throw new STSServiceException({
          name: 'AccessDenied',
          $fault: 'client',
          $metadata: {},
          message: `not authorized to perform sts:AssumeRole with external id ${EXTERNAL_ID}`,
        });
      return { Credentials: { AccessKeyId: keyOf(account), SecretAccessKey: 's', SessionToken: 't' } };
    });
    // One group per target, with durability off in us-east-1 and in sync elsewhere.
    elasticache.on(DescribeReplicationGroupsCommand).callsFake(async (_input, getClient) => {
      const { account, region } = await caller(getClient() as ElastiCacheClient);
      const effective = region === 'us-east-1' ? 'disabled' : 'sync';
      return {
        ReplicationGroups: [
          {
            ReplicationGroupId: 'orders',
            ARN: arn(account, region, 'orders'),
            EffectiveDurability: effective,
          },
        ],
      };
    });
    elasticache.on(DescribeServerlessCachesCommand).resolves({});
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  });

  afterEach(() => {
    elasticache.reset();
    tagging.reset();
    sts.reset();
    vi.unstubAllEnvs();
  });

  const scan = async (...args: string[]) => {
    const io = captureIo();
    const code = await runCli(['scan', '--policy', policyPath, ...args], io);
    return { code, out: io.out(), err: io.err() };
  };

  it('reads each account x region with that account\u2019s assumed credentials and region, findings carrying both', async () => {
    const { code, out, err } = await scan(
      '--accounts',
      '111111111111,222222222222',
      '--regions',
      'eu-west-1,us-east-1',
      '--format',
      'json',
    );

    const report = JSON.parse(out) as {
      findings: (Finding & { account: string; region: string })[];
      targets: unknown;
    };
    expect(
      report.findings.map(({ account, region, arn: found, status }) => [account, region, found, status]),
    ).toEqual([
      ['111111111111', 'us-east-1', arn('111111111111', 'us-east-1', 'orders'), 'violation'],
      ['222222222222', 'us-east-1', arn('222222222222', 'us-east-1', 'orders'), 'violation'],
      ['111111111111', 'eu-west-1', arn('111111111111', 'eu-west-1', 'orders'), 'compliant'],
      ['222222222222', 'eu-west-1', arn('222222222222', 'eu-west-1', 'orders'), 'compliant'],
    ]);
    expect(report.targets).toMatchObject({ total: 4, failed: 0 });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(code).toBe(EXIT.violations);
    expect(err).toContain('4 targets: 4 scanned');
  });

  it('scans the caller\u2019s own account with its own credentials for --regions alone', async () => {
    const { out } = await scan('--regions', 'eu-west-1,us-east-1', '--format', 'csv');

    const rows = out.trim().split('\n').slice(1);
    expect(rows.map((row) => row.split(',').slice(-2).join('/'))).toEqual([
      `${OWN}/us-east-1`,
      `${OWN}/eu-west-1`,
    ]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });

  it('turns a denied role into one error finding per target of that account, exits 3 and never prints the external id', async () => {
    const { code, out, err } = await scan(
      '--accounts',
      `111111111111,${DENIED}`,
      '--regions',
      'eu-west-1,eu-central-1',
      '--external-id',
      EXTERNAL_ID,
      '--format',
      'json',
    );

    const { findings } = JSON.parse(out) as { findings: Finding[] };
    const errors = findings.filter((finding) => finding.status === 'error');
    expect(errors.map((finding) => [finding.resourceId, finding.observed])).toEqual([
      [`${DENIED}/eu-central-1`, 'AccessDenied'],
      [`${DENIED}/eu-west-1`, 'AccessDenied'],
    ]);
    expect(errors[0]?.reason).toMatch(
      /role arn:aws:iam::333333333333:role\/elasticache-guardrails-operator cannot be assumed/,
    );
    expect(findings.filter((finding) => finding.status === 'compliant')).toHaveLength(2);
    // Asked once for both regions of the account: a refusal is not asked again per region.
    const denials = sts
      .commandCalls(AssumeRoleCommand)
      .filter((call) => call.args[0].input.RoleArn?.includes(DENIED));
    expect(denials).toHaveLength(1);
    expect(code).toBe(EXIT.aws);
    expect(err).toContain(
      `4 targets: 2 scanned, 2 failed (${DENIED}/eu-central-1: AccessDenied, ${DENIED}/eu-west-1: AccessDenied)`,
    );
    expect(`${out}${err}`).not.toContain(EXTERNAL_ID);
  });

  it('shows a failed target as a target, its rule a dash, in a table and in the html chart', async () => {
    const args = [
      '--accounts',
      `111111111111,${DENIED}`,
      '--regions',
      'eu-west-1',
      '--external-id',
      EXTERNAL_ID,
    ];

    const table = await scan(...args, '--format', 'table');
    const html = await scan(...args, '--format', 'html');

    const failed = table.out.split('\n').find((line) => line.includes(`${DENIED}/eu-west-1`)) ?? '';
    expect(failed).toMatch(new RegExp(`target\\s+${DENIED}/eu-west-1\\s+—\\s+target\\s+error`));
    expect(html.out).toContain('>targets not scanned</text>');
    expect(html.out).toContain(`${DENIED}/eu-west-1<br><small>target</small></td><td>—<br>`);
  });

  it('takes the external id from $GUARDRAILS_EXTERNAL_ID and keeps it out of stdout and stderr', async () => {
    vi.stubEnv('GUARDRAILS_EXTERNAL_ID', EXTERNAL_ID);

    const { code, out, err } = await scan('--accounts', `111111111111,${DENIED}`, '--regions', 'eu-west-1');

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { ExternalId: EXTERNAL_ID });
    expect(out).toContain('AccessDenied');
    expect(code).toBe(EXIT.aws);
    expect(`${out}${err}`).not.toContain(EXTERNAL_ID);
  });

  it('scans one account as ever with $GUARDRAILS_EXTERNAL_ID set and no target flag', async () => {
    vi.stubEnv('GUARDRAILS_EXTERNAL_ID', EXTERNAL_ID);

    const { code, out } = await scan('--format', 'table');

    expect(out.split('\n')[0]).toMatch(/^resourceType\s+resourceId/);
    expect(code).toBe(EXIT.violations);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });

  it('exits 4 when the organisation leaves no target to scan', async () => {
    const organizations = mockClient(OrganizationsClient);
    organizations.on(ListAccountsCommand).resolves({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' }] });

    const { code, err } = await scan('--org', '--exclude', '111111111111', '--regions', 'eu-west-1');

    organizations.restore();
    expect(err).toContain('0 targets: 0 scanned');
    expect(code).toBe(EXIT.nothingEvaluated);
  });

  it('lets a violation win over a failed target in the exit code', async () => {
    const { code } = await scan('--accounts', `111111111111,${DENIED}`, '--regions', 'us-east-1');

    expect(code).toBe(EXIT.violations);
  });

  it('reads at most --concurrency targets at once', async () => {
    // Prepare: each target's describe call waits a little; count the targets in flight.
    let inFlight = 0;
    let most = 0;
    elasticache.on(DescribeReplicationGroupsCommand).callsFake(async (_input, getClient) => {
      const { account, region } = await caller(getClient() as ElastiCacheClient);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      return { ReplicationGroups: [{ ReplicationGroupId: 'orders', ARN: arn(account, region, 'orders') }] };
    });
    const accounts = ['111111111111', '222222222222', '444444444444'].join(',');

    // Act
    const limited = await scan(
      '--accounts',
      accounts,
      '--regions',
      'eu-west-1,us-east-1',
      '--concurrency',
      '2',
    );
    const limitedMost = most;
    most = 0;
    await scan('--accounts', accounts, '--regions', 'eu-west-1,us-east-1');

    // Assess
    expect(limited.err).toContain('6 targets: 6 scanned');
    expect(limitedMost).toBe(2);
    expect(most).toBe(6);
  });

  it('adds account and region columns to a table and ends it with the targets line', async () => {
    const { out } = await scan('--accounts', '111111111111', '--regions', 'eu-west-1', '--format', 'table');

    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^account\s+region\s+resourceType\s+resourceId/);
    expect(lines[1]).toMatch(/^111111111111\s+eu-west-1\s+replication-group\s+orders/);
    expect(lines.at(-1)).toBe('1 targets: 1 scanned');
  });

  it('adds account and region columns to markdown, and groups html by them', async () => {
    const target = ['--accounts', '111111111111', '--regions', 'eu-west-1'];

    const markdown = await scan(...target, '--format', 'markdown');
    const html = await scan(...target, '--format', 'html');

    expect(markdown.out.split('\n')[0]).toMatch(/^\| account \| region \| resourceType \| resourceId \|/);
    expect(markdown.out.split('\n')[2]).toMatch(
      /^\| 111111111111 \| eu-west-1 \| replication-group \| orders \|/,
    );
    expect(html.out).toContain('<tr><th>Resource</th><th>Rule</th>');
    expect(html.out).toMatch(
      /<details class="account" id="account-111111111111" data-account="111111111111"[^>]*>.*?<details class="region" data-region="eu-west-1"[^>]*>.*?<tr data-status="compliant"><td>orders/s,
    );
    expect(html.out).toContain('<td class="status">compliant</td>');
  });

  it('keeps the single-account table as it was without target flags', async () => {
    const { out } = await scan('--format', 'table');

    expect(out.split('\n')[0]).toMatch(/^resourceType\s+resourceId/);
  });

  it('counts targets on stderr when it is a terminal', async () => {
    const io = captureIo({ progress: true });

    await runCli(
      ['scan', '--policy', policyPath, '--accounts', '111111111111', '--regions', 'eu-west-1,us-east-1'],
      io,
    );

    expect(io.err()).toContain('\rtargets 0/2 scanned');
    expect(io.err()).toContain('\rtargets 2/2 scanned');
  });

  it.each([
    [['--accounts', '12', '--regions', 'eu-west-1'], '--accounts: expected a 12-digit account id'],
    [['--ou', 'ou-abcd-12345678', '--regions', 'eu-west-1'], '--ou needs --org'],
    [
      ['--concurrency', '0', '--regions', 'eu-west-1'],
      '--concurrency "0": expected a whole number from 1 to 1000',
    ],
    [['--regions', 'eu-west-1', '--input', 'groups.json'], '--input reads one account'],
  ])('exits 2 on %j naming the flag', async (args, message) => {
    const { code, err } = await scan(...args);

    expect(code).toBe(EXIT.usage);
    expect(err).toContain(message);
  });

  it('never repeats the external id in an error, even a malformed one', async () => {
    const secret = 'bad secret with spaces';

    const { code, err } = await scan(
      '--accounts',
      '111111111111',
      '--regions',
      'eu-west-1',
      '--external-id',
      secret,
    );

    expect(code).toBe(EXIT.usage);
    expect(err).toContain('--external-id: ');
    expect(err).not.toContain('secret with');
  });

  describe('plan and drift', () => {
    it('plans every target\u2019s groups with account and region columns, and exits 3 when a target failed', async () => {
      const io = captureIo();

      const code = await runCli(
        [
          'plan',
          '--policy',
          policyPath,
          '--accounts',
          `111111111111,${DENIED}`,
          '--regions',
          'us-east-1',
          '--format',
          'csv',
        ],
        io,
      );

      const [header, ...rows] = io.out().trim().split('\n');
      expect(header).toBe('account,region,resourceId,rule,current,target,fit,verdict,steps');
      expect(rows.map((row) => row.split(',').slice(0, 3).join(','))).toEqual([
        '111111111111,us-east-1,orders',
      ]);
      expect(io.err()).toContain(`2 targets: 1 scanned, 1 failed (${DENIED}/us-east-1: AccessDenied)`);
      expect(code).toBe(EXIT.aws);
    });

    it('compares every target with a report of a run over targets, a failed target\u2019s error finding aside', async () => {
      // Prepare: a report of both accounts in eu-west-1 (one denied), then one group's encryption changes.
      await writeFile(
        policyPath,
        `${POLICY}  - name: encrypted
    match: { resourceTypes: [replication-group] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`,
      );
      let encryption = 'sse-elasticache';
      elasticache.on(DescribeReplicationGroupsCommand).callsFake(async (_input, getClient) => {
        const { account, region } = await caller(getClient() as ElastiCacheClient);
        const changed = account === '222222222222' ? encryption : 'sse-elasticache';
        return {
          ReplicationGroups: [
            {
              ReplicationGroupId: 'orders',
              ARN: arn(account, region, 'orders'),
              StorageEncryptionType: changed,
            },
          ],
        };
      });
      const targets = ['--accounts', `111111111111,222222222222,${DENIED}`, '--regions', 'eu-west-1'];
      const report = await scan(...targets, '--format', 'json');
      const baseline = join(policyPath, '..', 'report.json');
      await writeFile(baseline, report.out);
      encryption = 'none';
      const io = captureIo();

      // Act
      const code = await runCli(
        ['drift', '--policy', policyPath, '--baseline', baseline, ...targets, '--format', 'csv'],
        io,
      );

      // Assess
      const [header, ...rows] = io.out().trim().split('\n');
      expect(header).toBe('account,region,kind,resourceType,resourceId,before,now,cause');
      expect(rows.map((row) => row.split(',').slice(0, 5).join(','))).toEqual([
        '222222222222,eu-west-1,drift,replication-group,orders',
      ]);
      expect(code).toBe(EXIT.violations);
    });
  });
});
