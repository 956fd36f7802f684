import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { runSandboxCli } from '../../../infra/local/cli.js';
import { standInMigration, startStandIn } from '../../../infra/local/emulator/redis-migration.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { baselineKindOf } from '../../../shared/aws/state-keys.js';
import { APPROVAL_KIND } from '../../../shared/jobs/migration/index.js';
import { captureIo, runCaptured } from '../../cli-io.js';
import { expectEvery } from '../../expect-every.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

let stack: Stack;
let dir: string;
let policyPath: string;

/** The sandbox's CLI: the shipped one plus `migration start --local`. */
const cli = (args: string[]) => runCaptured(args, runSandboxCli);
const live = () => ['--endpoint-url', stack.emulator.endpoint, '--policy', policyPath];

beforeAll(async () => {
  stack = await startStack({ migrationBackend: standInMigration() });
  stack.emulator.clock.freeze(Date.now());
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  const model = stack.emulator.model;
  model.putGroup(groupState('orders'));
  model.putGroup(groupState('payments', { durability: 'sync', effectiveDurability: 'sync' }));
  model.putGroup(
    groupState('sessions', {
      encrypted: false,
      atRestEncryptionEnabled: false,
      tags: new Map([['env', 'dev']]),
    }),
  );
  dir = mkdtempSync(join(tmpdir(), 'guardrails-cli-'));
  policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterAll(async () => {
  await stack.close();
});

/**
 * Starts a local migration of `group` from the stand-in on `sourcePort` that waits for approval, and
 * waits (at most 200 looks, 50 ms apart) until its approval is parked in the state table: the run.
 */
async function startAwaitingApproval(group: string, args: string[], sourcePort: number) {
  const started = cli([
    'migration',
    'start',
    group,
    '--local',
    ...args,
    '--source',
    `127.0.0.1:${sourcePort}`,
    '--require-approval',
    '--policy',
    policyPath,
  ]);
  let parked: unknown;
  for (let look = 0; look < 200 && parked === undefined; look += 1) {
    parked = await stack.store.readRecord(APPROVAL_KIND, group);
    if (parked === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { started };
}

describe('guardrails scan', () => {
  it.each([
    ['json', (out: string) => (JSON.parse(out) as { findings: unknown[] }).findings.length],
    ['csv', (out: string) => out.trim().split('\n').length - 1],
    ['markdown', (out: string) => out.trim().split('\n').length - 2],
    ['html', (out: string) => out.match(/<tr data-status=/g)?.length ?? 0],
    // The header and the summary line under the rows.
    ['table', (out: string) => out.trim().split('\n').length - 2],
  ])('reports every finding as %s and exits 1 on a violation', async (format, count) => {
    const { code, out } = await cli(['scan', ...live(), '--format', format]);

    expect(code).toBe(EXIT.violations);
    // orders and payments: 2 rules each; sessions: encryption only.
    expect(count(out)).toBe(5);
  });

  it('gives the same findings offline from saved describe and get-resources output', async () => {
    // Prepare: what `aws elasticache describe-*` and `aws resourcegroupstaggingapi get-resources` print.
    const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });
    const groups = await clients.elasticache.send(new DescribeReplicationGroupsCommand({}));
    const caches = await clients.elasticache.send(new DescribeServerlessCachesCommand({}));
    writeFileSync(join(dir, 'groups.json'), JSON.stringify({ ReplicationGroups: groups.ReplicationGroups }));
    writeFileSync(join(dir, 'caches.json'), JSON.stringify({ ServerlessCaches: caches.ServerlessCaches }));
    const mappings = [...stack.emulator.model.groups.values()].map((group) => ({
      ResourceARN: stack.emulator.model.arn('replicationgroup', group.id),
      Tags: [...group.tags].map(([Key, Value]) => ({ Key, Value })),
    }));
    writeFileSync(join(dir, 'tags.json'), JSON.stringify({ ResourceTagMappingList: mappings }));
    const calls = stack.emulator.faults.log.length;

    // Act
    const offline = await cli([
      'scan',
      '--policy',
      policyPath,
      '--input',
      join(dir, 'groups.json'),
      join(dir, 'caches.json'),
      '--tags',
      join(dir, 'tags.json'),
      '--format',
      'json',
    ]);
    const online = await cli(['scan', ...live(), '--format', 'json']);

    // Assess
    expect(
      stack.emulator.faults.log.slice(calls).filter((entry) => entry.action.startsWith('Describe')),
    ).toHaveLength(3); // groups, caches, and one page of clusters for the engine versions plans need
    expect(offline.code).toBe(EXIT.violations);
    // Saved describe output has no engine versions: the same findings, with plans that say so.
    const withoutAction = (out: string) =>
      (JSON.parse(out).findings as { action: string | null }[]).map(({ action: _action, ...rest }) => rest);
    expect(withoutAction(offline.out)).toEqual(withoutAction(online.out));
    const actions = (out: string) =>
      (JSON.parse(out).findings as { status: string; check: string; action: string | null }[])
        .filter((finding) => finding.status === 'violation' && finding.check === 'durability')
        .map((finding) => finding.action);
    expectEvery(
      actions(offline.out),
      (action) => action?.startsWith('unknown: engine version') === true,
      'offline',
    );
    expectEvery(actions(online.out), (action) => /^(in-place|staged|rebuild)/.test(action ?? ''), 'online');
  });

  it.each([
    [['--format', 'xml'], /option '--format <format>' argument 'xml' is invalid/],
    [['--input', '/nonexistent/fleet.json'], /cannot read \/nonexistent\/fleet.json: ENOENT/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('refuses %j with exit 2 and one clear line', async (flags, message) => {
    const { code, err } = await cli(['scan', '--policy', policyPath, ...flags]);

    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('names the missing field of an input that is not describe output', async () => {
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ Groups: [] }));

    const { code, err } = await cli(['scan', '--policy', policyPath, '--input', join(dir, 'wrong.json')]);

    expect(code).toBe(EXIT.usage);
    expect(err).toContain('describe-replication-groups (ReplicationGroups)');
  });
});

describe('guardrails policy', () => {
  it('validates a good file and names the line of a bad one', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, POLICY.replace('minimum: sync', 'minimum: always'));

    const good = await cli(['policy', 'validate', policyPath]);
    const wrong = await cli(['policy', 'validate', bad]);

    expect(JSON.parse((await cli(['policy', 'validate', policyPath, '--format', 'json'])).out)).toEqual([
      { file: policyPath, valid: 'true', rules: '2', exemptions: '0', warnings: [] },
    ]);
    expect(good).toMatchObject({
      code: EXIT.compliant,
      out: `${policyPath}: valid (2 rules, 0 exemptions)\n`,
    });
    expect(wrong.code).toBe(EXIT.usage);
    expect(wrong.err).toMatch(/bad\.yaml:5 rules\[0\]\.durability\.minimum/);
  });

  it('explains which rules match a resource and why', async () => {
    const { code, out } = await cli([
      'policy',
      'explain',
      ...live(),
      '--resource',
      'sessions',
      '--format',
      'table',
    ]);

    expect(code).toBe(EXIT.violations);
    expect(out).toContain('prod-durability [report]: does not apply');
    expect(out).toContain('- tag env=prod (is "dev")');
    expect(out).toContain('encrypted-at-rest [report]: applies');
    expect(out).toMatch(/=> violation: StorageEncryptionType none/);
  });

  it('refuses a resource that is not in the fleet', async () => {
    const { code, err } = await cli(['policy', 'explain', ...live(), '--resource', 'nope']);
    expect(code).toBe(EXIT.usage);
    expect(err).toBe('guardrails: --resource nope: no such resource in the fleet\n');
  });
});

describe('guardrails drift', () => {
  it('shows a change against a previous report, and exits 0 when nothing changed', async () => {
    const report = join(dir, 'before.json');
    await cli(['scan', ...live(), '--format', 'json', '--output', report]);
    const same = await cli(['drift', ...live(), '--baseline', report]);
    const group = stack.emulator.model.groups.get('orders');
    if (group !== undefined) group.kmsKeyId = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd';

    const changed = await cli(['drift', ...live(), '--baseline', report, '--format', 'csv']);

    expect(same).toMatchObject({ code: EXIT.compliant, out: '[]\n' });
    expect(changed.code).toBe(EXIT.violations);
    expect(changed.out).toBe(
      'kind,resourceType,resourceId,before,now,cause\n' +
        'drift,replication-group,orders,sse-elasticache,sse-kms (arn:aws:kms:us-east-1:123456789012:key/1234abcd),no known cause\n',
    );
  });

  it('compares with the baselines in the state table', async () => {
    const payments = stack.emulator.model.arn('replicationgroup', 'payments');
    await stack.store.putRecord(baselineKindOf(payments), payments, {
      arn: stack.emulator.model.arn('replicationgroup', 'payments'),
      storageEncryptionType: 'none',
    });

    const { code, out } = await cli(['drift', ...live(), '--format', 'json']);

    expect(code).toBe(EXIT.violations);
    expect(JSON.parse(out)).toEqual([
      {
        kind: 'drift',
        resourceType: 'replication-group',
        resourceId: 'payments',
        before: 'none',
        now: 'sse-elasticache',
        cause: 'durability change (EffectiveDurability unknown -> sync)',
      },
    ]);
  });
});

describe('guardrails snapshot', () => {
  it('creates, lists and (with --apply) cleans up our snapshots', async () => {
    const created = await cli([
      'snapshot',
      'create',
      'payments',
      '--reason',
      'before-upgrade',
      ...live().slice(0, 2),
    ]);
    stack.emulator.clock.advance(30_000);
    const listed = await cli(['snapshot', 'list', ...live().slice(0, 2), '--format', 'json']);
    const cleanup = await cli(['snapshot', 'cleanup', ...live().slice(0, 2), '--retention-days', '0']);

    expect(created.code).toBe(EXIT.compliant);
    const name = created.out.split(' ')[0] ?? '';
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({
        name,
        replicationGroupId: 'payments',
        status: 'available',
        durability: 'sync',
      }),
    ]);
    expect(cleanup.code).toBe(EXIT.usage);
    expect(cleanup.err).toContain('--retention-days "0": expected a whole number from 1 to 3650 days');
    expect(stack.emulator.model.snapshots.has(name)).toBe(true);
  });
});

describe('guardrails snapshot cleanup --apply', () => {
  it("deletes our snapshots past the retention and keeps each group's newest", async () => {
    const endpoint = ['--endpoint-url', stack.emulator.endpoint];
    const first = (await cli(['snapshot', 'create', 'orders', ...endpoint])).out.split(' ')[0] ?? '';
    stack.emulator.clock.advance(30_000);
    const old = stack.emulator.model.snapshots.get(first);
    if (old !== undefined) old.createdAt = Date.now() - 30 * 86_400_000;
    const second =
      (await cli(['snapshot', 'create', 'orders', '--reason', 'later', ...endpoint])).out.split(' ')[0] ?? '';
    stack.emulator.clock.advance(30_000);

    const dry = await cli(['snapshot', 'cleanup', ...endpoint]);
    const applied = await cli(['snapshot', 'cleanup', ...endpoint, '--apply']);

    expect(dry.out).toContain(`would delete ${first} (run with --apply)`);
    expect(applied.out).toContain(`deleted ${first}`);
    expect(stack.emulator.model.snapshots.has(first)).toBe(false);
    expect(stack.emulator.model.snapshots.has(second)).toBe(true);
  });

  it('keeps a snapshot a migration in flight names, and answers in the asked format', async () => {
    // Prepare: an old snapshot of ours that is not the newest, named by a running migration's lock.
    const endpoint = ['--endpoint-url', stack.emulator.endpoint];
    const created = JSON.parse(
      (await cli(['snapshot', 'create', 'payments', ...endpoint, '--format', 'json'])).out,
    ) as { name: string; status: string }[];
    const named = created[0]?.name ?? '';
    stack.emulator.clock.advance(30_000);
    const old = stack.emulator.model.snapshots.get(named);
    if (old !== undefined) old.createdAt = Date.now() - 30 * 86_400_000;
    await cli(['snapshot', 'create', 'payments', '--reason', 'later', ...endpoint]);
    stack.emulator.clock.advance(30_000);
    const now = new Date();
    await stack.store.acquireLease('migration#payments', 'run-9', new Date(now.getTime() + 3_600_000), now, {
      snapshotName: named,
    });

    // Act
    const applied = await cli(['snapshot', 'cleanup', ...endpoint, '--apply', '--format', 'json']);
    await stack.store.releaseLease('migration#payments');

    // Assess
    expect(created[0]).toMatchObject({ replicationGroupId: 'payments' });
    expect(JSON.parse(applied.out)).toContainEqual({
      name: named,
      action: 'kept',
      reason: 'named by a change in flight (migration or durability change)',
    });
    expect(stack.emulator.model.snapshots.has(named)).toBe(true);
  });
});

describe('progress on stderr', () => {
  it('shows a progress line only when stderr is a terminal', async () => {
    const run = async (progress: boolean) => {
      const io = captureIo({ progress });
      await runCli(['scan', ...live(), '--format', 'json'], io);
      return io.err();
    };

    expect(await run(true)).toMatch(/\rreading the fleet: \d+ resources described/);
    expect(await run(false)).toBe('');
  });
});

describe('guardrails migration (--local against the sandbox)', () => {
  it('starts, waits for approval, completes once approved', async () => {
    const source = await startStandIn();
    // A migration target meets the online-migration prerequisites: no TLS, Multi-AZ.
    stack.emulator.model.putGroup(groupState('cart', { shards: 1, tls: false }));
    const args = ['--endpoint-url', stack.emulator.endpoint, '--table', 'guardrails-state'];

    const { started } = await startAwaitingApproval('cart', args, source.endpoint.port);
    const status = await cli(['migration', 'status', 'cart', ...args]);
    const approved = await cli(['migration', 'approve', 'cart', ...args]);
    const result = await started;
    source.server.close();

    expect(JSON.parse(status.out)).toMatchObject({
      waitingForApproval: { execution: expect.stringMatching(/^cart-/) },
    });
    expect(approved).toMatchObject({ code: EXIT.compliant, out: 'approved: cart\n' });
    expect(result.code).toBe(EXIT.compliant);
    expect(result.out).toContain('"status": "succeeded"');
    expect(stack.emulator.model.groups.get('cart')?.status).toBe('available');
  });

  it.each([
    [['--source', '10.0.0.1'], /--source 10.0.0.1: expected host:port/],
    [['--source', '10.0.0.1:70000'], /customerEndpoints.0.port: must be 1-65535/],
    [
      ['--source', '10.0.0.1:6379'],
      /give --state-machine-arn \(or MIGRATION_STATE_MACHINE_ARN\), or --local/,
    ],
  ])('refuses %j before any call', async (flags, message) => {
    const calls = stack.emulator.faults.log.length;
    const { code, err } = await cli(['migration', 'start', 'cart', '--table', 'guardrails-state', ...flags]);

    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(message);
    expect(stack.emulator.faults.log.length).toBe(calls);
  });

  it('aborts a migration waiting for approval at once, and refuses when none runs', async () => {
    const source = await startStandIn();
    stack.emulator.model.putGroup(groupState('basket', { shards: 1, tls: false }));
    const args = ['--endpoint-url', stack.emulator.endpoint, '--table', 'guardrails-state'];
    const nothing = await cli(['migration', 'abort', 'basket', ...args, '--reason', 'test']);

    const { started } = await startAwaitingApproval('basket', args, source.endpoint.port);
    const aborted = await cli(['migration', 'abort', 'basket', ...args, '--reason', 'wrong source']);
    const result = await started;
    source.server.close();
    const status = await cli(['migration', 'status', 'basket', ...args, '--format', 'json']);

    expect(nothing).toMatchObject({
      code: EXIT.usage,
      err: 'guardrails: no migration of basket is running\n',
    });
    expect(aborted.out).toContain('the execution waiting for approval on basket aborts now');
    expect(result.code).toBe(EXIT.violations);
    expect(result.out).toContain('failed: MigrationAborted: wrong source');
    // What to do next, not only the error's name.
    expect(result.out).toMatch(
      /migration: aborted with CompleteMigration Force=true: data not synced, the source still serves/,
    );
    expect(result.out).toMatch(
      /restore from: snapshot basket-premigration-\S+ \(kept; guardrails snapshot list\)/,
    );
    expect(result.out).toContain(
      'next: the source keeps serving; fix the cause above and start the migration again',
    );
    expect(stack.emulator.model.groups.get('basket')?.status).toBe('available');
    // After the abort, status says what was aborted and what is left, in fields, not JSON.
    const [row] = JSON.parse(status.out) as Record<string, string>[];
    expect(row).toMatchObject({ running: 'no', waitingForApproval: 'no' });
    expect(row?.lastAbort).toMatch(
      /^basket-\d{14} aborted at \S+ by \S+ \(wrong source\); left: the source keeps serving; the pre-migration snapshot is kept/,
    );
  });

  it('says a dry run planned, its fields readable, and changes nothing', async () => {
    stack.emulator.model.putGroup(groupState('crate', { shards: 1, tls: false }));
    const args = ['--endpoint-url', stack.emulator.endpoint, '--table', 'guardrails-state'];
    const source = await startStandIn();

    const started = await cli([
      'migration',
      'start',
      'crate',
      '--local',
      ...args,
      '--source',
      `127.0.0.1:${source.endpoint.port}`,
      '--dry-run',
      '--policy',
      policyPath,
      '--format',
      'json',
    ]);
    source.server.close();

    expect(started.code).toBe(EXIT.compliant);
    const [row] = JSON.parse(started.out) as Record<string, string>[];
    expect(row).toMatchObject({ replicationGroupId: 'crate', status: 'planned' });
    expect(row?.detail).toContain('preflight passed; a dry run changes nothing');
    expect(row?.detail).not.toMatch(/[{}"[\]]/);
    expect(stack.emulator.model.groups.get('crate')?.status).toBe('available');
  });

  it('says so when nothing waits for approval', async () => {
    const { code, err } = await cli(['migration', 'approve', 'cart', '--table', 'guardrails-state']);
    expect(code).toBe(EXIT.usage);
    expect(err).toBe('guardrails: no migration of cart waits for approval\n');
  });
});

describe('guardrails --help', () => {
  it.each([
    ['scan'],
    ['drift'],
    ['policy', 'validate'],
    ['policy', 'explain'],
    ['snapshot', 'create'],
    ['snapshot', 'list'],
    ['snapshot', 'cleanup'],
    ['migration', 'start'],
    ['migration', 'status'],
    ['migration', 'approve'],
    ['migration', 'reject'],
    ['migration', 'abort'],
  ])('documents %s %s', async (...command) => {
    const { code, out } = await cli([...command.filter(Boolean), '--help']);
    expect(code).toBe(EXIT.compliant);
    expect(out).toMatch(/^Usage: guardrails /);
  });
});

it('keeps the report file it was asked to write', () => {
  expect(readFileSync(join(dir, 'before.json'), 'utf8')).toContain('"findings"');
});
