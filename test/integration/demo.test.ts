import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start (the sandbox demo)', () => {
  // One run for both tests (it takes seconds); execFile rejects unless it exits 0.
  let stdout = '';
  beforeAll(async () => {
    ({ stdout } = await run(process.execPath, ['--import', 'tsx', 'infra/local/demo.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      timeout: 120_000,
    }));
  }, 120_000);

  it('tells the whole story and exits 0', () => {
    // Assess: each chapter reports what the system did, not only that it ran.
    expect(stdout).toMatch(/1\. The scheduled scan in report mode[\s\S]*exit code 1/);
    expect(stdout).toMatch(/run 1 .*3 snapshot-started/);
    // Each count says which rule it is for.
    expect(stdout).toMatch(/exit code 1[^\n]*\n\s+encrypted-at-rest: [^\n]*\d+ compliant/);
    expect(stdout).toMatch(/\n\s+prod-durability: \d+ violation/);
    expect(stdout).toMatch(/run 1 +actions \(prod-durability: [^)]*3 snapshot-started\)/);
    expect(stdout).toMatch(/baseline run: 9 alerts, by rule: 9 encrypted-at-rest/);
    // Durability default is explained where it is printed.
    expect(stdout).toContain(
      'orders-new is created with Durability default (ElastiCache resolves it to disabled today)',
    );
    expect(stdout).toMatch(/run 2 .*3 modify-requested/);
    expect(stdout).toMatch(/orders-new .*modify-requested/);
    expect(stdout).toMatch(/SNS: .*drift: sessions-cache sse-elasticache -> none/);
    expect(stdout).toMatch(
      /pre-migration snapshot orders-migrated-premigration-demo-1 \(Durability disabled/,
    );
    // A migration target has no TLS (AWS's prerequisite), and durability needs it.
    expect(stdout).toMatch(
      /then durability: needs-staged-upgrade; the group is available, EffectiveDurability disabled/,
    );
    expect(stdout).toMatch(/enable in-transit encryption in mode preferred/);
    // The readiness plan: the groups the job leaves as needs-staged-upgrade can be staged online.
    expect(stdout).toMatch(/run 3 .*prod-durability: 15 needs-staged-upgrade\)/);
    expect(stdout).toContain('20 group plans: 0 in-place, 15 staged, 0 rebuild, 3 not-applicable, 2 unknown');
    expect(stdout).toMatch(
      /legacy-orders +staged +1\. upgrade valkey 7\.2 to valkey 9\.0, .*6\. cluster mode compatible → enabled \[approval\], 7\. set Durability=async\n/,
    );
    expect(stdout).toMatch(
      /\$ npm run sandbox-cli -- plan --endpoint-url http:\/\/127\.0\.0\.1:\d+ --policy \.sandbox\/policy\.yaml\n/,
    );
    // One staged upgrade through the real ASL: snapshot first, one approval, then sync.
    expect(stdout).toMatch(
      /snapshot legacy-orders-preupgrade-demo-upgrade-1 available\n\s+\+\d+ min\s+done: upgrade valkey 7\.2 to valkey 9\.0\n/,
    );
    expect(stdout).toMatch(
      /approval requested \(client impact clients-must-switch\), approved in process\n.*done: cluster mode compatible → enabled\n.*done: set Durability=sync\n/,
    );
    expect(stdout).toContain(
      'succeeded: 7 steps, 1 approval; EffectiveDurability sync; pre-upgrade snapshot legacy-orders-preupgrade-demo-upgrade-1',
    );
    expect(stdout).toMatch(/now valkey 9\.0, cluster mode enabled, 1 replica, Multi-AZ true, TLS preferred/);
    expect(stdout).toMatch(/\n\s+61 state transitions \(\$0\.00153 on Standard Step Functions\)/);
    // Each step shows the command that reproduces it; the events are said to be what the app sends.
    expect(stdout.match(/\n {3}\$ npm run sandbox-cli -- /g)).toHaveLength(8);
    expect(stdout).toMatch(
      /events\.jsonl: .*1 Durability Upgrade Outcome.*\n\s+\(what the app puts on the default bus/,
    );
    expect(stdout).toContain('Done.');
  });

  it('ends with one organisation scan over many accounts and regions, its failures named, Security Hub fed once', () => {
    // Prepare: the last chapter, and its table's rows.
    const chapter = stdout.slice(stdout.indexOf('\n9. One deployment, many accounts and regions'));
    const rows = [...chapter.matchAll(/\n {3}(\d{12})\/([a-z0-9-]+) +((?:\d+ +){6}\d+)(?=\n)/g)].map(
      ([, account, region, numbers = '']) => {
        const [compliant, violation, exempt, unknown, error, requests, securityHub] = numbers
          .split(/ +/)
          .map(Number);
        return {
          target: `${account}/${region}`,
          compliant,
          violation,
          exempt,
          unknown,
          error,
          requests,
          securityHub,
        };
      },
    );

    // Assess: the chapter is last, short, and says what the scan found.
    expect(chapter).toMatch(/^\n9\. One deployment, many accounts and regions[^\n]*\n/);
    expect(chapter.slice(0, chapter.indexOf('\nDone.')).trim().split('\n').length).toBeLessThanOrEqual(40);
    expect(chapter).toContain('10 targets: 7 complete, 3 failed\n');
    // One line per failed target, naming the cause.
    expect(chapter.match(/\n {5}failed /g)).toHaveLength(3);
    for (const region of ['us-east-1', 'eu-west-1'])
      expect(chapter).toContain(
        `failed 100000000002/${region}: AccessDenied, the role arn:aws:iam::100000000002:role/elasticache-guardrails-member cannot be assumed`,
      );
    expect(chapter).toContain(
      'failed 100000000003/eu-west-1: InvalidClientTokenId, region eu-west-1 is not enabled in account 100000000003\n',
    );
    // Every target has a row; a failed one is its one error finding, sent to no Security Hub;
    // a complete one sent every finding it has to its own Security Hub.
    expect(rows.map((row) => row.target)).toEqual(
      ['123456789012', '100000000001', '100000000002', '100000000003', '100000000004'].flatMap((account) =>
        ['us-east-1', 'eu-west-1'].map((region) => `${account}/${region}`),
      ),
    );
    const failed = ['100000000002/us-east-1', '100000000002/eu-west-1', '100000000003/eu-west-1'];
    for (const row of rows) {
      const findings = (row.compliant ?? 0) + (row.violation ?? 0) + (row.exempt ?? 0) + (row.unknown ?? 0);
      if (failed.includes(row.target)) expect(row, row.target).toMatchObject({ error: 1, securityHub: 0 });
      else {
        expect(row.error, row.target).toBe(0);
        expect(findings, row.target).toBeGreaterThan(0);
        expect(row.securityHub, row.target).toBe(findings);
      }
    }
    // The denied account was never reached; every request to a target carried its account's own key.
    expect(rows.filter((row) => row.target.startsWith('100000000002/')).map((row) => row.requests)).toEqual([
      0, 0,
    ]);
    const total = rows.reduce((sum, row) => sum + (row.requests ?? 0), 0);
    const home = rows
      .filter((row) => row.target.startsWith('123456789012/'))
      .reduce((sum, row) => sum + (row.requests ?? 0), 0);
    expect(home).toBeGreaterThan(0);
    expect(chapter).toContain(
      `${total - home} of ${total - home} requests to the member targets signed with a key STS issued for the target's own account: 3 keys for 3 accounts`,
    );
    expect(chapter).toContain(
      `${home} requests to the deployment's own account (123456789012, every region) with its own role, no AssumeRole`,
    );
    // The central account needs no member role: only the members' roles are assumed, once per
    // account (the denied one too: its child tries once for both its regions).
    expect(chapter).toContain(
      'AssumeRole: 4 calls, 4 with the external id; 3 answered, 1 refused (100000000002)\n',
    );
    // Security Hub: the first run imports every finding, the second nothing.
    const imported = rows.reduce((sum, row) => sum + (row.securityHub ?? 0), 0);
    expect(imported).toBeGreaterThan(0);
    expect(chapter).toContain(`Security Hub: ${imported} ASFF findings`);
    expect(chapter).toContain(
      `second run, nothing changed: Security Hub received 0 findings in 0 calls (${imported} unchanged;`,
    );
    // The commands that do it again from a shell (tried by hand against npm run sandbox).
    expect(chapter).toContain('$ npm run sandbox -- --accounts 5 --regions 2 --fleet 3 ');
    expect(chapter).toContain(
      `$ curl -s $AWS_ENDPOINT_URL/_control/accounts -d '{"externalId":"demo-external-id","deny":["100000000002"],"disabledRegions":[{"account":"100000000003","region":"eu-west-1"}]}'\n`,
    );
    expect(chapter).toContain(
      '$ npm run sandbox-cli -- scan --org --regions us-east-1,eu-west-1 --external-id demo-external-id --format table\n',
    );
  });
});

describe('npm start -- --keep', () => {
  it('leaves the sandbox up with the environment to reach it, until Ctrl-C', async () => {
    // Prepare
    const { spawn } = await import('node:child_process');
    const { DescribeReplicationGroupsCommand, ElastiCacheClient } = await import(
      '@aws-sdk/client-elasticache'
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/demo.ts', '--keep'], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    let output = '';
    const kept = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sandbox line in: ${output}`)), 90_000);
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
        if (/export AWS_ENDPOINT_URL=\S+/.test(output) && output.includes('Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    // Act
    await kept;
    const endpoint = output.match(/export AWS_ENDPOINT_URL=(\S+)/)?.[1] ?? '';
    const client = new ElastiCacheClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    const groups = await client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 20 }));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');

    // Assess
    expect(groups.ReplicationGroups?.length).toBe(20);
    expect(output).toContain('STATE_TABLE=guardrails-state');
    // AWS CLI v1 reads AWS_DEFAULT_REGION only; older clients drop the 2026-06-02 fields.
    expect(output).toContain('AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1');
    expect(output).toMatch(
      /Only AWS CLI and SDK versions released after the 2026-06-02 ElastiCache model change show\s+Durability, EffectiveDurability and StorageEncryptionType/,
    );
    expect(await exited).toBe(0);
  }, 120_000);
});
