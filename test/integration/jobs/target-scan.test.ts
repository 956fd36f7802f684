/**
 * One target's run against the sandbox: two emulators stand for two targets of the same
 * account (us-east-1, the deployment's own, and eu-west-1) sharing one state table, so the
 * baselines of both live side by side as they do in an organisation scan.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../../infra/local/emulator/server.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { readFleet } from '../../../shared/aws/elasticache.js';
import { AlertPublisher, DETAIL_TYPES, EventPublisher } from '../../../shared/aws/notify.js';
import { encryptionBaselineKind } from '../../../shared/aws/state-keys.js';
import { MemberCredentials } from '../../../shared/aws/targets.js';
import { StepFunctionsUpgradeStarter } from '../../../shared/aws/upgrade-starter.js';
import type { EncryptionBaseline } from '../../../shared/domain/drift.js';
import { REMEDIATION_ACTIONS } from '../../../shared/domain/durability/remediation.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { type Target, targetArnPrefix } from '../../../shared/domain/targets.js';
import type { UpgradeStarter } from '../../../shared/domain/workflow/runner.js';
import { scanEncryptionDrift } from '../../../shared/jobs/encryption-drift.js';
import { scanTarget, type TargetScanDeps } from '../../../shared/jobs/target-scan.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { ALERT_TOPIC, groupState, REGION, type Stack, startStack } from '../harness.js';

const ACCOUNT = '123456789012';
const HOME: Target = { account: ACCOUNT, region: REGION };
const OTHER: Target = { account: ACCOUNT, region: 'eu-west-1' };
const POLICY = parsePolicy(
  `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync, stagedChanges: { allow: [upgrade-engine] } }
  - name: at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`,
  'policy.yaml',
);
const settings = { policy: POLICY, dryRun: false };

let stack: Stack;
let other: Emulator;
let started: string[];
const logger = createLogger('test');
logger.setLogLevel('SILENT');

/** A target's deps: the emulator of its region, the shared table, the home emulator's sinks. */
function deps(emulator: Emulator): TargetScanDeps {
  const central = { endpoint: stack.emulator.endpoint, region: REGION, maxAttempts: 2 };
  const upgrades: UpgradeStarter = {
    start: async (name) => {
      started.push(name);
      return `arn:aws:states:${REGION}:${ACCOUNT}:execution:upgrade:${name}`;
    },
  };
  return {
    home: HOME,
    aws: { endpoint: emulator.endpoint, maxAttempts: 2 },
    store: stack.store,
    events: new EventPublisher(undefined, central),
    alerts: new AlertPublisher(ALERT_TOPIC, central),
    logger,
    holder: 'test',
    now: () => new Date(stack.emulator.clock.now()),
    upgrades,
  };
}

/** The baselines of both targets, each read from its own partition. */
const baselines = async () =>
  (
    await Promise.all(
      [HOME, OTHER].map((target) =>
        stack.store.listRecords<EncryptionBaseline>(encryptionBaselineKind(target)),
      ),
    )
  )
    .flat()
    .map((baseline) => baseline.arn)
    .sort();

beforeEach(async () => {
  stack = await startStack();
  other = await startEmulator({ region: OTHER.region });
  other.clock.freeze(stack.emulator.clock.now());
  started = [];
  stack.emulator.model.putGroup(groupState('home-a'));
  stack.emulator.model.putGroup(groupState('home-b', { encrypted: false }));
  other.model.putGroup(groupState('other-a'));
});
afterEach(async () => {
  await Promise.all([stack.close(), other.close()]);
});

describe('Function: scanTarget', () => {
  it("compares and retires only its own target's baselines", async () => {
    // Prepare: the home target's run leaves its baselines.
    await scanTarget(deps(stack.emulator), settings, HOME);
    const homeBaselines = (await baselines()).filter((arn) => arn.startsWith(targetArnPrefix(HOME)));
    expect(homeBaselines).toHaveLength(2);

    // Act: the other target's run, whose fleet holds none of them.
    const run = await scanTarget(deps(other), settings, OTHER);

    // Assess
    expect(run.result).toMatchObject({ target: OTHER, status: 'complete', alerts: 0 });
    expect(await baselines()).toEqual(
      [...homeBaselines, `arn:aws:elasticache:eu-west-1:${ACCOUNT}:replicationgroup:other-a`].sort(),
    );
    expect(
      stack.emulator.sinks.events.filter((event) => event.detailType === DETAIL_TYPES.encryptionRetired),
    ).toEqual([]);
  });

  it("keeps each target's baselines in a partition of its own, which its run reads", async () => {
    // Prepare: both targets' runs leave their baselines.
    await scanTarget(deps(stack.emulator), settings, HOME);
    await scanTarget(deps(other), settings, OTHER);

    // Act
    const read = await stack.store.listRecords<EncryptionBaseline>(encryptionBaselineKind(OTHER));

    // Assess: one of the three, alone in its target's partition.
    expect(await baselines()).toHaveLength(3);
    expect(read.map((baseline) => baseline.arn)).toEqual([
      `arn:aws:elasticache:eu-west-1:${ACCOUNT}:replicationgroup:other-a`,
    ]);
    expect(targetArnPrefix({ account: ACCOUNT, region: 'cn-north-1' })).toBe(
      `arn:aws-cn:elasticache:cn-north-1:${ACCOUNT}:`,
    );
  });

  it('never retires another target’s baselines, even when the drift scan is not scoped: it reads its fleet’s targets’ partitions', async () => {
    // Prepare
    await scanTarget(deps(stack.emulator), settings, HOME);
    const { store, events, alerts, logger: silent, now } = deps(other);
    const clients = createFleetClients({ endpoint: other.endpoint, region: OTHER.region });

    // Act: the other target's fleet, every stored baseline compared with it.
    const report = await scanEncryptionDrift(
      { clients, store, events, alerts, logger: silent, now },
      POLICY,
      {
        fleet: await readFleet(clients),
      },
    );

    // Assess
    expect(report.alerts.filter((alert) => alert.kind === 'retired')).toEqual([]);
    expect((await baselines()).filter((arn) => arn.startsWith(targetArnPrefix(HOME)))).toHaveLength(2);
  });

  it('takes ExecutionAlreadyExists for this hour’s upgrade as already started, not a failure', async () => {
    // Prepare: this hour's upgrade of the group was started by a first scan, and has closed since.
    stack.emulator.model.putGroup(groupState('home-old', { engineVersion: '8.0' }));
    const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:guardrails-durability-upgrade`;
    const upgrades = new StepFunctionsUpgradeStarter(machine, {
      endpoint: stack.emulator.endpoint,
      region: REGION,
    });
    await scanTarget({ ...deps(stack.emulator), upgrades }, settings, HOME);
    const [execution] = stack.emulator.sinks.executions.values();
    stack.emulator.sinks.closeExecution(execution?.executionArn ?? '', 'FAILED');

    // Act
    const again = await scanTarget({ ...deps(stack.emulator), upgrades }, settings, HOME);

    // Assess
    const finding = again.findings.find(
      (item) => item.resourceId === 'home-old' && item.rule === 'prod-durability',
    );
    expect(finding).toMatchObject({ status: 'violation', action: REMEDIATION_ACTIONS.upgradeStarted });
    expect(finding?.reason).toContain('already started');
    expect(stack.emulator.sinks.executions.size).toBe(1);
  });

  it('starts a staged upgrade for the deployment’s own target only; another reports it needed', async () => {
    // Prepare: a group of each target that needs an engine upgrade before durability.
    stack.emulator.model.putGroup(groupState('home-old', { engineVersion: '8.0' }));
    other.model.putGroup(groupState('other-old', { engineVersion: '8.0' }));

    // Act
    const home = await scanTarget(deps(stack.emulator), settings, HOME);
    const away = await scanTarget(deps(other), settings, OTHER);

    // Assess
    expect(started).toEqual([expect.stringMatching(/^home-old-durability-\d{10}$/)]);
    expect(home.result.actions[REMEDIATION_ACTIONS.upgradeStarted]).toBe(1);
    expect(away.result.actions[REMEDIATION_ACTIONS.upgradeStarted]).toBeUndefined();
    expect(
      away.findings.find(
        (finding) => finding.resourceId === 'other-old' && finding.rule === 'prod-durability',
      )?.action,
    ).toBe(REMEDIATION_ACTIONS.needsStagedUpgrade);
  });

  it("scans the deployment's own target with its own credentials even when the policy names targets", async () => {
    // Prepare: member credentials exist (the policy names targets), the own target among them.
    const members = new MemberCredentials(
      { roleName: 'elasticache-guardrails-member' },
      { endpoint: stack.emulator.endpoint, region: REGION, maxAttempts: 2 },
    );

    // Act
    const run = await scanTarget({ ...deps(stack.emulator), members }, settings, HOME);

    // Assess: scanned, and no role assumed (the management account has no member stack).
    expect(run.result.status).toBe('complete');
    expect(stack.emulator.faults.log.filter((entry) => entry.action === 'AssumeRole')).toEqual([]);
  });

  it('returns one error finding naming the cause when the first read is refused (region not enabled)', async () => {
    // Prepare
    other.faults.failNext({
      action: 'DescribeReplicationGroups',
      code: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid',
      status: 400,
      times: 5,
    });

    // Act
    const run = await scanTarget(deps(other), settings, OTHER);

    // Assess
    expect(run.result).toMatchObject({ target: OTHER, status: 'failed', findings: { error: 1 } });
    expect(run.result.error).toMatchObject({
      resourceType: 'target',
      resourceId: `${ACCOUNT}/eu-west-1`,
      status: 'error',
      // The JSON spelling of the refusal is named as every command names it.
      observed: 'InvalidClientTokenId',
    });
    expect(run.result.error?.reason).toContain(`region eu-west-1 is not enabled in account ${ACCOUNT}`);
    expect(run.findings).toEqual([run.result.error]);
    expect(other.faults.log.map((request) => request.action)).not.toContain('ModifyReplicationGroup');
  });

  it('counts findings by status and puts the account and region of each resource on its events', async () => {
    // Act
    const run = await scanTarget(deps(other), settings, OTHER);

    // Assess
    expect(run.result.findings).toEqual({ violation: 1, compliant: 1 });
    const events = stack.emulator.sinks.events.filter(
      (event) => event.detailType === DETAIL_TYPES.policyViolation,
    );
    expect(events.map((event) => event.detail)).toEqual([
      expect.objectContaining({ account: ACCOUNT, region: 'eu-west-1' }),
    ]);
  });

  it('refuses a target of another account when the policy names no targets', async () => {
    await expect(
      scanTarget(deps(other), settings, { account: '111111111111', region: OTHER.region }),
    ).rejects.toThrow("target: account 111111111111 is not this deployment's (123456789012)");
  });
});
