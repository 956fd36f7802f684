import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type PolicyStatement } from '../../../infra/local/emulator/iam-policy.js';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import { ROOT_ID } from '../../../infra/local/emulator/organizations.js';
import { standInMigration, startStandIn } from '../../../infra/local/emulator/redis-migration.js';
import { MIGRATION_ASL } from '../../../infra/local/migration-workflow.js';
import { loadDefinition, runLocalStateMachine } from '../../../infra/local/step-functions.js';
import { UPGRADE_ASL } from '../../../infra/local/upgrade-workflow.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { READ_BACK } from '../../../shared/aws/mutation.js';
import { createSnapshot } from '../../../shared/aws/snapshots.js';
import { FUNCTIONS, manifestOf } from '../../manifests.js';
import { groupState, legacyGroupState, REGION, type Stack, startStack } from '../harness.js';

/**
 * Each function's real handler runs against the sandbox through scenarios that reach its
 * code paths; every AWS call it makes is recorded. What it calls must be exactly what its
 * manifest (functions/<name>/function.ts, and so its IAM role) grants, and the state-table
 * partitions it touches exactly its manifest's stateKeys (its dynamodb:LeadingKeys condition).
 */
const ROOT = new URL('../../..', import.meta.url).pathname;
/** The state-table partitions of each function that uses the table (its manifest's stateKeys). */
const stateKeys = Object.fromEntries(
  FUNCTIONS.filter((name) => manifestOf(name).stateKeys.length > 0).map((name) => [
    name,
    [...manifestOf(name).stateKeys],
  ]),
);
const { actionsOf, statementsFor } = createRequire(import.meta.url)('../../../infra/serverless.cjs') as {
  actionsOf(name: string): string[];
  statementsFor(name: string): PolicyStatement[];
};
/** Each function's actions as generated (its manifest's, with the member role's AssumeRole). */
const permissions = Object.fromEntries(FUNCTIONS.map((name) => [name, actionsOf(name)]));
/**
 * IAM needs these for a call the code makes: tags sent with CreateSnapshot need
 * AddTagsToResource, and a write needs the read that settles its lost answer (READ_BACK).
 */
const IMPLIED: Record<string, string[]> = Object.fromEntries(
  [...new Set([...Object.keys(READ_BACK), 'elasticache:CreateSnapshot'])].map((action) => [
    action,
    [
      ...(action === 'elasticache:CreateSnapshot' ? ['elasticache:AddTagsToResource'] : []),
      ...(READ_BACK[action] === undefined ? [] : [READ_BACK[action]]),
    ],
  ]),
);
const SERVICE_OF: Record<string, string> = {
  GetResources: 'tag',
  Publish: 'sns',
  PutEvents: 'events',
  GetMetricData: 'cloudwatch',
  SendMessage: 'sqs',
  StartExecution: 'states',
  AssumeRole: 'sts',
  ListAccounts: 'organizations',
  ListAccountsForParent: 'organizations',
  ListOrganizationalUnitsForParent: 'organizations',
  ListParents: 'organizations',
  ListRoots: 'organizations',
  ListRegions: 'account',
  BatchImportFindings: 'securityhub',
  PutObject: 's3',
  GetObject: 's3',
};
/** The deployment's scan bucket in the sandbox (SCAN_BUCKET). */
const SCAN_BUCKET = 'guardrails-scan-permissions';
/** A member account of the sandbox's organisation (the reactions act on its events through its role). */
const MEMBER = '100000000001';
/**
 * Policies naming targets, each loaded into its own instance of the functions that read them
 * (a function reads its policy once per container): the whole organisation in every region its
 * accounts enabled, the organisation walked from its root, walked from its roots for the
 * OU paths a rule with `match.ous` selects on, and every account excluded (their findings archived).
 */
const TARGET_POLICIES = {
  organization: 'targets: { organization: {}, regions: all-enabled }',
  units: `targets: { organization: { ous: [${ROOT_ID}] }, regions: [${REGION}] }`,
  paths: `targets: { organization: {}, regions: [${REGION}] }`,
  dropped: `targets: { organization: {}, exclude: ['${MEMBER}', '123456789012'], regions: [${REGION}] }`,
} as const;
type Variant = keyof typeof TARGET_POLICIES;
const POLICY = `version: 1
settings: { snapshotRetentionDays: 1 }
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability:
      minimum: sync
      stagedChanges: { allow: [upgrade-engine] }
      # A soak that steps back: the durability functions read the last soaks (a stepped-back group is held).
      soak: { onBreach: step-back }
    snapshotBeforeChange: true
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let stack: Stack;
const used = new Map<string, Set<string>>();
/** Per function, each state-table call as `{ action, partitionKey }`. */
const stateCalls = new Map<string, { action: string; partitionKeys: string[] }[]>();
const handlers = new Map<string, Handler>();
let invocation = 0;

/**
 * Invoke a function's handler (or its instance with one of {@link TARGET_POLICIES}) and record
 * the AWS actions it called with its own credentials: a call signed with a key STS issued is the
 * member role's, which infra/member-access.yaml grants, not this function's role.
 */
async function invoke(name: string, event: unknown, variant?: Variant): Promise<unknown> {
  const handler = handlers.get(variant === undefined ? name : `${name}?${variant}`);
  if (handler === undefined) throw new Error(`no handler ${name}`);
  const [calls, dynamo] = [stack.emulator.faults.log.length, stack.dynamo.calls.length];
  invocation += 1;
  try {
    return await handler(event, {
      awsRequestId: `permissions-${invocation}`,
      invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:${name}`,
    } as Context);
  } finally {
    const actions = used.get(name) ?? new Set<string>();
    for (const entry of stack.emulator.faults.log.slice(calls))
      if (stack.emulator.accounts.issued(entry.accessKeyId) === undefined)
        actions.add(`${SERVICE_OF[entry.action] ?? 'elasticache'}:${entry.action}`);
    const touched = stateCalls.get(name) ?? [];
    for (const call of stack.dynamo.calls.slice(dynamo)) {
      actions.add(`dynamodb:${call.operation}`);
      // A batch request names its partitions in dynamodb:LeadingKeys together, as IAM reads it.
      touched.push({
        action: `dynamodb:${call.operation}`,
        partitionKeys: call.partitionKeys ?? (call.partitionKey === undefined ? [] : [call.partitionKey]),
      });
    }
    used.set(name, actions);
    stateCalls.set(name, touched);
  }
}

const cloudTrail = (eventName: string, replicationGroupId: string) => ({
  version: '0',
  id: `event-${eventName}-${replicationGroupId}`,
  source: 'aws.elasticache',
  'detail-type': 'AWS API Call via CloudTrail',
  detail: { eventSource: 'elasticache.amazonaws.com', eventName, requestParameters: { replicationGroupId } },
});
const schedule = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
/** The scan bucket as the state machine role reaches it (ItemReader, ResultWriter): the central account's. */
const scanBucket = () =>
  new S3Client({ endpoint: stack.emulator.endpoint, region: REGION, forcePathStyle: true });

beforeAll(async () => {
  stack = await startStack({
    migrationBackend: standInMigration(),
    targets: { accounts: [MEMBER], regions: [REGION] },
  });
  // Handlers stamp times with the real clock: the emulator follows it, moved on by waits.
  stack.emulator.clock.freeze(Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-permissions-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  Object.assign(process.env, stack.env, {
    POLICY_FILE: join(dir, 'policy.yaml'),
    DRY_RUN: 'false',
    RECHECK_QUEUE_URL: `${stack.emulator.endpoint}/123456789012/durability-recheck`,
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts',
    AWS_MAX_ATTEMPTS: '2',
    SECURITY_HUB_EXPORT: 'true',
    SCAN_CONCURRENCY: '10',
    UPGRADE_STATE_MACHINE_ARN:
      'arn:aws:states:us-east-1:123456789012:stateMachine:guardrails-durability-upgrade',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    SCAN_BUCKET,
  });
  await scanBucket().send(new CreateBucketCommand({ Bucket: SCAN_BUCKET }));
  for (const name of FUNCTIONS) {
    const module = join(ROOT, 'functions', name, 'handler.ts');
    handlers.set(name, ((await import(/* @vite-ignore */ module)) as { handler: Handler }).handler);
  }
  const policyFile = process.env.POLICY_FILE;
  for (const [variant, targets] of Object.entries(TARGET_POLICIES)) {
    const file = join(dir, `policy-${variant}.yaml`);
    const ouRule = `  - name: by-ou\n    match: { ous: [${ROOT_ID}] }\n    durability: { minimum: async }\n`;
    writeFileSync(
      file,
      POLICY.replace('settings: {', `settings: { ${targets},`) + (variant === 'paths' ? ouRule : ''),
    );
    process.env.POLICY_FILE = file;
    for (const name of ['org-scan', 'target-scan', 'durability-react', 'encryption-drift']) {
      const module = `${join(ROOT, 'functions', name, 'handler.ts')}?${variant}`;
      handlers.set(
        `${name}?${variant}`,
        ((await import(/* @vite-ignore */ module)) as { handler: Handler }).handler,
      );
    }
  }
  process.env.POLICY_FILE = policyFile;
});

afterAll(async () => {
  await stack.close();
});

describe('Each function calls exactly the actions its IAM role grants', () => {
  it('target-scan: report, snapshot first, change, verify', async () => {
    stack.emulator.model.putGroup(groupState('scan-fix'));
    stack.emulator.model.putGroup(
      groupState('scan-durable', { durability: 'sync', effectiveDurability: 'sync' }),
    );
    // A group that needs an engine upgrade first: the scan starts its staged upgrade.
    stack.emulator.model.putGroup(groupState('scan-staged', { engineVersion: '8.0' }));
    // Unencrypted at rest: the scan's drift half alerts on it.
    stack.emulator.model.putGroup(
      groupState('scan-plain', { encrypted: false, tags: new Map([['env', 'dev']]) }),
    );
    await invoke('target-scan', schedule);
    expect([...stack.emulator.sinks.executions.values()].map((execution) => execution.name)).toEqual([
      expect.stringMatching(/^scan-staged-durability-\d{10}$/),
    ]);
    stack.emulator.clock.advance(DURATIONS.snapshot);
    await invoke('target-scan', schedule);
    stack.emulator.clock.advance(DURATIONS.durabilityChange);
    await invoke('target-scan', schedule);
    expect(stack.emulator.model.groups.get('scan-fix')?.effectiveDurability).toBe('sync');
    // The change's soak ends without taking the lease handed to it: the next scan gives it back.
    const soak = [...stack.emulator.sinks.executions.values()].find((execution) =>
      execution.name.startsWith('scan-fix-soak-'),
    );
    stack.emulator.sinks.closeExecution(soak?.executionArn ?? '', 'FAILED');
    await invoke('target-scan', schedule);
  });

  it('org-scan and target-scan over member accounts: listed into the scan bucket, a member scanned as itself, summed up from the results', async () => {
    stack.emulator.fleetOf(MEMBER, REGION).putGroup(groupState('member-fix'));
    type Listed = { key: string; unscannedKey: string; resultsPrefix: string; targets: number };
    const list = async (variant: Variant) => {
      const listed = (await invoke(
        'org-scan',
        { action: 'list', execution: `perm-${variant}` },
        variant,
      )) as Listed;
      const lines = (stack.emulator.s3.read(SCAN_BUCKET, listed.key) ?? '').trim().split('\n');
      return {
        listed,
        items: lines.filter((line) => line !== '').map((line) => JSON.parse(line) as unknown),
      };
    };
    const listed = await list('organization');
    const walked = await list('units');
    const located = await list('paths');
    // An all-enabled item: the child reads the account's regions (the member's with its member
    // role, the deployment's own with the function's role).
    type Scanned = { account: string; results: { status: string; findings: Record<string, number> }[] };
    const scanned = (account: string) =>
      invoke('target-scan', { account, regions: 'all-enabled' }, 'organization') as Promise<Scanned>;
    const member = await scanned(MEMBER);
    const own = await scanned('123456789012');
    // What the Map's ResultWriter writes of that child: its entry, and the manifest naming the file.
    const folder = `${listed.listed.resultsPrefix}/run-1`;
    const write = (Key: string, value: unknown) =>
      scanBucket().send(new PutObjectCommand({ Bucket: SCAN_BUCKET, Key, Body: JSON.stringify(value) }));
    await write(`${folder}/SUCCEEDED_0.json`, [
      {
        Input: JSON.stringify({ account: MEMBER, regions: 'all-enabled' }),
        Output: JSON.stringify(member),
        Status: 'SUCCEEDED',
      },
    ]);
    await write(`${folder}/manifest.json`, {
      DestinationBucket: SCAN_BUCKET,
      MapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:org-scan/ScanTargets:run-1',
      ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `${folder}/SUCCEEDED_0.json`, Size: 1 }] },
    });
    const summary = await invoke('org-scan', {
      action: 'summarize',
      unscannedKey: listed.listed.unscannedKey,
      manifest: { Bucket: SCAN_BUCKET, Key: `${folder}/manifest.json` },
    });
    // The run's lease: claimed, found held by another run, given back.
    const claim = (execution: string) =>
      invoke('org-scan', { action: 'claim', execution, timeoutSeconds: 10800 });
    const claimed = await claim('scan-1');
    const overlapping = await claim('scan-2');
    const released = await invoke('org-scan', { action: 'release', execution: 'scan-1' });
    // Both accounts excluded since: their exported findings archived, each in its own account.
    const narrowed = await list('dropped');
    // Nothing in the previous version's shared partitions: every child is told so.
    const both = [
      { account: MEMBER, regions: [REGION], legacyLayout: false },
      { account: '123456789012', regions: [REGION], legacyLayout: false },
    ];
    expect(listed.items).toEqual(both.map((item) => ({ ...item, regions: 'all-enabled' })));
    expect(listed.listed.targets).toBe(2);
    expect(walked.items).toEqual(both);
    expect(located.items).toEqual(both.map((item) => ({ ...item, ouPath: [ROOT_ID] })));
    expect(member.results).toMatchObject([{ status: 'complete', findings: { violation: 1 } }]);
    expect(own.results).toMatchObject([{ status: 'complete' }]);
    expect(summary).toMatchObject({ targets: 1, complete: 1, failed: 0 });
    expect([claimed, overlapping, released]).toEqual([
      { claimed: true, execution: 'scan-1' },
      expect.objectContaining({ claimed: false, execution: 'scan-2', running: 'scan-1' }),
      { released: true },
    ]);
    expect(narrowed.items).toEqual([]);
    for (const account of [MEMBER, '123456789012']) {
      const held = [...stack.emulator.securityHub.findings(account, REGION).values()];
      expect(held.length, account).toBeGreaterThan(0);
      expect(
        held.every((finding) => finding.RecordState === 'ARCHIVED'),
        account,
      ).toBe(true);
    }
  });

  it('durability-react: a CloudTrail event, then its re-checks from the queue', async () => {
    stack.emulator.model.putGroup(groupState('react-fix'));
    await invoke('durability-react', cloudTrail('CreateReplicationGroup', 'react-fix'));
    for (let look = 0; look < 3; look += 1) {
      stack.emulator.clock.advance(DURATIONS.durabilityChange);
      await invoke('durability-react', {
        Records: [
          {
            messageId: `recheck-${look}`,
            body: JSON.stringify({ replicationGroupId: 'react-fix', attempt: look + 1 }),
            eventSource: 'aws:sqs',
          },
        ],
      });
    }
    expect(stack.emulator.model.groups.get('react-fix')?.effectiveDurability).toBe('sync');
    // The re-check that saw the change take effect started its soak (the upgrade workflow).
    const soak = [...stack.emulator.sinks.executions.values()].find((execution) =>
      /^react-fix-soak-\d{17}$/.test(execution.name),
    );
    expect(soak).toBeDefined();
    // The soak ends without taking the lease handed to it (a migration held the group): the next
    // re-check finds its name closed and gives the lease back.
    stack.emulator.sinks.closeExecution(soak?.executionArn ?? '', 'FAILED');
    await invoke('durability-react', {
      Records: [
        {
          messageId: 'recheck-soak',
          body: JSON.stringify({ replicationGroupId: 'react-fix', attempt: 3 }),
          eventSource: 'aws:sqs',
        },
      ],
    });
    // A member account's event, forwarded onto the central bus: acted on through its role.
    stack.emulator.fleetOf(MEMBER, REGION).putGroup(groupState('react-member'));
    // Only a deployment whose policy names targets acts on a member's events.
    await invoke(
      'durability-react',
      { ...cloudTrail('ModifyReplicationGroup', 'react-member'), account: MEMBER, region: REGION },
      'organization',
    );
    // snapshotBeforeChange: the first look takes the member group's snapshot, in the member account.
    const member = stack.emulator.faults.log.filter((entry) => entry.account === MEMBER);
    expect(member.map((entry) => entry.action)).toContain('CreateSnapshot');
    // A policy that names OUs: the member's place in the organisation is read before acting.
    const listParents = () =>
      stack.emulator.faults.log.filter((entry) => entry.action === 'ListParents').length;
    const before = listParents();
    await invoke(
      'durability-react',
      { ...cloudTrail('ModifyReplicationGroup', 'react-member'), account: MEMBER, region: REGION },
      'units',
    );
    expect(listParents()).toBeGreaterThan(before);
  });

  it('encryption-drift: baseline, drift, a resource gone', async () => {
    stack.emulator.model.putGroup(groupState('drift-1', { tags: new Map([['env', 'dev']]) }));
    stack.emulator.model.putGroup(groupState('drift-2', { tags: new Map([['env', 'dev']]) }));
    await invoke('encryption-drift', schedule);
    const group = stack.emulator.model.groups.get('drift-1');
    if (group !== undefined) group.encrypted = false;
    stack.emulator.model.deleteReplicationGroup({ ReplicationGroupId: 'drift-2' });
    stack.emulator.clock.advance(DURATIONS.delete);
    await invoke('encryption-drift', schedule);
    expect(stack.emulator.sinks.messages.some((message) => message.subject?.includes('drift-1'))).toBe(true);
    // A member account's call, forwarded onto the central bus: compared there through its role.
    stack.emulator.fleetOf(MEMBER, REGION).putGroup(groupState('drift-member', { encrypted: false }));
    await invoke(
      'encryption-drift',
      { ...cloudTrail('ModifyReplicationGroup', 'drift-member'), account: MEMBER, region: REGION },
      'organization',
    );
    const member = stack.emulator.faults.log.filter((entry) => entry.account === MEMBER);
    expect(member.map((entry) => entry.action)).toContain('DescribeReplicationGroups');
    // A policy that names OUs: the member's place in the organisation is read before comparing.
    const listParents = () =>
      stack.emulator.faults.log.filter((entry) => entry.action === 'ListParents').length;
    const before = listParents();
    await invoke(
      'encryption-drift',
      { ...cloudTrail('ModifyReplicationGroup', 'drift-member'), account: MEMBER, region: REGION },
      'units',
    );
    expect(listParents()).toBeGreaterThan(before);
  });

  it('violation-alert: a violation alerted, its repeat, and one whose Publish failed', async () => {
    const violation = (eventId: string) => ({
      source: 'elasticache-guardrails',
      'detail-type': 'Guardrails Policy Violation',
      account: '123456789012',
      detail: {
        eventId,
        severity: 'high',
        finding: {
          resourceType: 'replication-group',
          resourceId: 'orders',
          rule: 'prod-durability',
          check: 'durability',
          reason: 'EffectiveDurability is disabled, the policy requires at least sync',
        },
      },
    });
    const before = stack.emulator.sinks.messages.length;
    await invoke('violation-alert', violation('permissions-1'));
    await invoke('violation-alert', violation('permissions-1'));
    // A failed Publish gives its claim back (SNS retries it once with AWS_MAX_ATTEMPTS 2).
    stack.emulator.faults.failNext({ action: 'Publish', code: 'InternalError', times: 2 });
    await invoke('violation-alert', violation('permissions-2')).catch(() => undefined);
    expect(stack.emulator.sinks.messages.length - before).toBe(1);
  });

  it('snapshot-cleanup: expires our snapshot past retention', async () => {
    // One snapshot of ours three days old (the function reads the real clock), and a newer one.
    const old = [...stack.emulator.model.snapshots.values()].find(
      (snapshot) => snapshot.groupId === 'react-fix',
    );
    if (old === undefined) throw new Error('the durability scenario took no snapshot of react-fix');
    old.createdAt = Date.now() - 3 * 86_400_000;
    const client = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION }).elasticache;
    await createSnapshot(client, 'react-fix', 'guardrails-react-fix-newer', 'pre-change');
    stack.emulator.clock.advance(DURATIONS.snapshot);

    await invoke('snapshot-cleanup', schedule);

    expect(stack.emulator.model.snapshots.has(old.name)).toBe(false);
    expect(stack.emulator.model.snapshots.has('guardrails-react-fix-newer')).toBe(true);
  });

  it('migration-*: one approved migration and one rejected after StartMigration', async () => {
    const source = await startStandIn();
    const definition = loadDefinition(MIGRATION_ASL);
    const names = ['preflight', 'snapshot', 'control', 'sync', 'approval', 'durability', 'finish'].map(
      (step) => `migration-${step}`,
    );
    const tasks = Object.fromEntries(
      names.map((name) => [name, (event: unknown) => invoke(name, event) as never]),
    );
    // A migration target has TLS off; durability needs it on. Until the workflow enables TLS
    // itself, the step that raises durability finds it enabled (as an operator would leave it),
    // so that step's whole path (snapshot, modify) runs here.
    tasks['migration-durability'] = (event: unknown) => {
      const group = stack.emulator.model.groups.get('migrate-ok');
      if (group !== undefined) group.tls = true;
      return invoke('migration-durability', event) as never;
    };
    const run = (id: string, decision: 'approve' | 'reject') => {
      stack.emulator.model.putGroup(groupState(id, { shards: 1, tls: false }));
      return runLocalStateMachine(
        definition,
        { replicationGroupId: id, customerEndpoints: [{ ...source.endpoint }], requireApproval: true },
        {
          tasks,
          executionName: `run-${id}`,
          onWait: (seconds) => stack.emulator.clock.advance(seconds * 1000),
          onTaskToken: async () => {
            if (decision === 'approve') return { approved: true };
            throw Object.assign(new Error('rejected'), { name: 'MigrationRejected' });
          },
        },
      );
    };
    const approved = await run('migrate-ok', 'approve');
    // Without TLS after the migration, the durability step starts the durability upgrade.
    const handedOn = await run('migrate-tls', 'approve');
    const rejected = await run('migrate-no', 'reject').catch((error: unknown) => error);
    // Another execution holds the lock of this group.
    const now = new Date(stack.emulator.clock.now());
    await stack.store.acquireLease(
      'migration#migrate-held',
      'run-other',
      new Date(now.getTime() + 3_600_000),
      now,
    );
    const locked = await run('migrate-held', 'approve').catch((error: unknown) => error);
    // A Redis OSS target: the preflight reads its engine version (a dry run stops there).
    stack.emulator.model.putGroup(
      groupState('migrate-redis', { shards: 1, tls: false, engine: 'redis', engineVersion: '7.1' }),
    );
    const redis = await runLocalStateMachine(
      definition,
      { replicationGroupId: 'migrate-redis', customerEndpoints: [{ ...source.endpoint }], dryRun: true },
      {
        tasks,
        executionName: 'run-migrate-redis',
        onWait: (seconds) => stack.emulator.clock.advance(seconds * 1000),
      },
    );
    source.server.close();
    expect((approved.output as { status: string }).status).toBe('succeeded');
    expect((handedOn.output as { durability: { actions: string[] } }).durability.actions).toEqual([
      'upgrade-started',
    ]);
    expect(String(rejected)).toContain('MigrationRejected');
    expect(String(locked)).toContain('MigrationLocked');
    expect((redis.output as { status: string }).status).toBe('dry-run');
  });

  it('durability-upgrade: one staged upgrade approved to sync and soaked, one rejected', async () => {
    const definition = loadDefinition(UPGRADE_ASL);
    const tasks = { 'durability-upgrade': (event: unknown) => invoke('durability-upgrade', event) as never };
    const run = (id: string, decision: 'approve' | 'reject') => {
      // Its own parameter group: the approved run copies it to Valkey 9 (and cluster-enabled).
      const parameterGroup = `${id}-params`;
      stack.emulator.model.parameterGroups.set(parameterGroup, {
        name: parameterGroup,
        family: 'valkey7',
        description: 'test',
        parameters: new Map([['timeout', '300']]),
        isDefault: false,
      });
      stack.emulator.model.putGroup(legacyGroupState(id, { parameterGroup }));
      return runLocalStateMachine(
        definition,
        // Two shards once cluster mode is enabled (a workload fit's add-shards step), and a
        // five-minute soak after the durability change (CloudWatch read once).
        {
          replicationGroupId: id,
          target: 'sync',
          shards: 2,
          soak: { windowSeconds: 300, lookSeconds: 300, onBreach: 'alert', unattended: false },
        },
        {
          tasks,
          executionName: `run-${id}`,
          onWait: (seconds) => stack.emulator.clock.advance(seconds * 1000),
          onTaskToken: async () => {
            if (decision === 'approve') return { approved: true };
            throw Object.assign(new Error('rejected'), { name: 'UpgradeRejected' });
          },
        },
      );
    };
    const approved = await run('upgrade-ok', 'approve');
    const rejected = await run('upgrade-no', 'reject').catch((error: unknown) => error);
    expect((approved.output as { status: string }).status).toBe('succeeded');
    expect(String(rejected)).toContain('UpgradeRejected');
  });

  it.each(FUNCTIONS)('%s', (name) => {
    const calls = used.get(name);
    expect(calls, `${name} was not exercised`).toBeDefined();
    const needed = new Set([...(calls ?? [])].flatMap((action) => [action, ...(IMPLIED[action] ?? [])]));
    expect([...needed].sort()).toEqual([...new Set(permissions[name])].sort());
  });
});

describe('Each function touches exactly the state-table partitions its dynamodb:LeadingKeys condition allows', () => {
  const matches = (pattern: string, key: string) =>
    pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;

  it.each(FUNCTIONS)('%s', (name) => {
    const calls = stateCalls.get(name) ?? [];
    const statements = statementsFor(name);
    const refused = calls.filter(
      ({ action, partitionKeys }) =>
        evaluate(statements, {
          action,
          resource: 'StateTable.Arn',
          context: partitionKeys.length === 0 ? {} : { 'dynamodb:LeadingKeys': partitionKeys },
        }) !== 'allowed',
    );
    const patternsUsed = (stateKeys[name] ?? []).filter((pattern) =>
      calls.some(({ partitionKeys }) => partitionKeys.some((key) => matches(pattern, key))),
    );

    expect(refused).toEqual([]);
    expect(patternsUsed).toEqual(stateKeys[name] ?? []);
  });
});
