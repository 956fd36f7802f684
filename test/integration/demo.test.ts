import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start (the sandbox demo)', () => {
  it('tells the whole story and exits 0', async () => {
    // Act
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'infra/local/demo.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      timeout: 120_000,
    });

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
    expect(stdout.match(/\n {3}\$ npm run sandbox-cli -- /g)).toHaveLength(7);
    expect(stdout).toMatch(
      /events\.jsonl: .*1 Durability Upgrade Outcome.*\n\s+\(what the app puts on the default bus/,
    );
    expect(stdout).toContain('Done.');
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
