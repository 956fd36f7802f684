/**
 * The soak of a durability change the durability job makes in place: the run that sees the
 * change take effect starts the durability-upgrade workflow (the real ASL file, run locally
 * against the sandbox) to watch the group. Every ModifyReplicationGroup and StartExecution that
 * reached the sandbox is counted, refused ones too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseSoakHold } from '../../../cli/last-soak.js';
import { applyWorkload, type WorkloadShape } from '../../../infra/local/emulator/workload.js';
import type { LocalRunResult, LocalTask } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { OrganizationUnits } from '../../../shared/aws/organization.js';
import { RecheckQueue } from '../../../shared/aws/recheck-queue.js';
import { StepFunctionsUpgradeStarter } from '../../../shared/aws/upgrade-starter.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { DEFAULT_MEMBER_ROLE } from '../../../shared/domain/targets.js';
import type { UpgradeStarter } from '../../../shared/domain/workflow/runner.js';
import { checkGroup, scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { MemberClients, reactToEvent } from '../../../shared/jobs/durability/react.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { takeLock } from '../../../shared/jobs/workflow/lock.js';
import {
  ALERT_TOPIC,
  groupState,
  REGION,
  requestsReached,
  type Stack,
  stackPerFile,
  startStack,
  upgradeDepsOf,
} from '../harness.js';

let stack: Stack;
let deps: UpgradeDeps;
const MACHINE = `arn:aws:states:${REGION}:123456789012:stateMachine:guardrails-durability-upgrade`;

stackPerFile((started) => {
  stack = started;
  deps = upgradeDepsOf(stack, { alertTopic: ALERT_TOPIC });
});

/**
 * A rule that raises the group to sync in place (async stays compliant after a step back,
 * unless `minimum` is sync).
 */
const policy = (id: string, soak: string, minimum = 'async') =>
  parsePolicy(
    `version: 1
rules:
  - name: durable
    mode: enforce
    match: { ids: [${id}] }
    durability: { minimum: ${minimum}, set: sync, soak: ${soak} }
`,
    'policy.yaml',
  );

const STEP_BACK = '{ window: 30m, onBreach: step-back, unattended: true }';

/** The group's writes, shaped as `/_control/workload` shapes them. */
function workload(id: string, shape: WorkloadShape['shape']) {
  const { model, sinks, clock } = stack.emulator;
  const group = model.groups.get(id);
  if (group === undefined) throw new Error(`no group ${id}`);
  applyWorkload(sinks.metrics, group, model.memberIds(group), { groupId: id, shape }, clock.now());
}

/** Runs `act` just before the soak's `look`-th look (1-based), then the task as deployed. */
function beforeLook(look: number, act: () => void) {
  let looks = 0;
  return (task: LocalTask): LocalTask =>
    async (event) => {
      if ((event as { action?: string }).action === 'soak-check') {
        looks += 1;
        if (looks === look) act();
      }
      return task(event);
    };
}

/**
 * The deployed port (StartExecution on the sandbox, which keeps each name once), with the
 * execution then run here through the real ASL before the durability run goes on.
 */
function soakStarter(
  runs: (LocalRunResult | unknown)[],
  wrap?: (task: LocalTask) => LocalTask,
): UpgradeStarter {
  const starter = new StepFunctionsUpgradeStarter(MACHINE, {
    endpoint: stack.emulator.endpoint,
    region: REGION,
  });
  return {
    async start(name, input) {
      const arn = await starter.start(name, input);
      const clock = { advance: (ms: number) => stack.emulator.clock.advance(ms) };
      runs.push(
        await runUpgradeLocally(deps, input, { clock, executionName: name, ...(wrap ? { wrap } : {}) }).catch(
          (error: unknown) => error,
        ),
      );
      stack.emulator.sinks.closeExecution(arn);
      return arn;
    },
  };
}

/** Every ModifyReplicationGroup of `id` that reached the sandbox, by the Durability it asked for. */
const durabilityRequests = (id: string) =>
  requestsReached(stack.emulator, 'ModifyReplicationGroup')
    .filter((request) => request.params.ReplicationGroupId === id)
    .map((request) => String(request.params.Durability));

const startRequests = () => stack.emulator.faults.count('StartExecution');

/** The names of the executions the sandbox recorded for `id`. */
const executionsOf = (id: string) =>
  [...stack.emulator.sinks.executions.values()]
    .map((execution) => execution.name)
    .filter((name) => name.startsWith(`${id}-`));

/** The durability finding of `id` in a run's report. */
const findingOf = (report: { findings: Finding[] }, id: string) =>
  report.findings.find((finding) => finding.resourceId === id && finding.check === 'durability');

const alertSubjects = () => stack.emulator.sinks.messages.map((message) => message.subject ?? '');

/** One durability run of the sandbox fleet, at the sandbox's time. */
const scan = (id: string, soak: string, upgrades?: UpgradeStarter, minimum?: string) =>
  scanDurability(
    { ...stack.durabilityDeps('scan'), ...(upgrades ? { upgrades } : {}) },
    { policy: policy(id, soak, minimum), dryRun: false },
  );

/** The in-place change requested by a first run, applied ten minutes later. */
async function changeInPlace(id: string, soak: string, upgrades?: UpgradeStarter, minimum?: string) {
  stack.emulator.model.putGroup(groupState(id));
  const first = await scan(id, soak, upgrades, minimum);
  expect(findingOf(first, id)?.action).toBe('modify-requested');
  stack.emulator.clock.advance(10 * 60_000);
}

/** Changes `id` in place under STEP_BACK with a soak starter that records its runs (its tasks wrapped by `wrap`). */
async function soakedChange(id: string, wrap?: (task: LocalTask) => LocalTask, minimum?: string) {
  const runs: unknown[] = [];
  const upgrades = soakStarter(runs, wrap);
  await changeInPlace(id, STEP_BACK, upgrades, minimum);
  return { runs, upgrades };
}

/** Every answer to the next `times` StartExecution requests lost (503), each taking effect. */
const loseStartAnswers = (times: number) =>
  stack.emulator.faults.failNext({
    action: 'StartExecution',
    code: 'ServiceUnavailable',
    status: 503,
    times,
    applied: true,
  });

describe('Durability job: the soak after an in-place change', () => {
  it('steps the group back from sync to async once after a burst, with the alert, when the run that sees the change closes it', async () => {
    // Prepare
    const id = 'inplace-burst';
    const { runs, upgrades } = await soakedChange(
      id,
      beforeLook(2, () => workload(id, 'burst')),
    );

    // Act
    const closing = await scan(id, STEP_BACK, upgrades);
    const after = await scan(id, STEP_BACK, upgrades);

    // Assess
    expect(durabilityRequests(id)).toEqual(['sync', 'async']);
    expect(startRequests()).toBe(1);
    expect(runs).toEqual([
      expect.objectContaining({
        output: expect.objectContaining({
          status: 'stepped-back',
          soak: expect.objectContaining({ outcome: 'stepped-back' }),
        }),
      }),
    ]);
    expect(stack.emulator.model.groups.get(id)?.effectiveDurability).toBe('async');
    expect(alertSubjects()).toEqual([
      `Durability soak of ${id} breached`,
      `${id} stepped back to async durability`,
    ]);
    expect(stack.emulator.sinks.messages[0]?.message).toContain('TrafficManagementActive 1');
    const name = expect.stringMatching(new RegExp(`^${id}-soak-\\d{17}$`));
    expect(findingOf(closing, id)?.reason).toMatch(
      new RegExp(`soak ${id}-soak-\\d{17} started \\(execution arn:`),
    );
    const succeeded = stack.emulator.sinks.events.find(
      (event) => event.detailType === DETAIL_TYPES.remediationSucceeded,
    );
    expect(succeeded?.detail).toMatchObject({ soakExecution: expect.stringContaining(':execution:') });
    expect(executionsOf(id)).toEqual([name]);
    // A later run leaves the stepped-back group alone: async meets the rule's minimum.
    expect(findingOf(after, id)?.status).not.toBe('violation');
  });

  it('ends a quiet soak succeeded, and changes nothing more', async () => {
    // Prepare
    const id = 'inplace-quiet';
    const { runs, upgrades } = await soakedChange(
      id,
      beforeLook(1, () => workload(id, 'steady')),
    );

    // Act
    await scan(id, STEP_BACK, upgrades);

    // Assess
    expect(runs).toEqual([
      expect.objectContaining({
        output: expect.objectContaining({
          status: 'succeeded',
          effectiveDurability: 'sync',
          steps: [],
          soak: expect.objectContaining({ outcome: 'quiet', looks: 6 }),
        }),
      }),
    ]);
    expect(durabilityRequests(id)).toEqual(['sync']);
    expect(startRequests()).toBe(1);
    expect(alertSubjects()).toEqual([]);
  });

  it('soaks a group on a Valkey newer than 9.0: its running version is no downgrade', async () => {
    // Prepare
    const id = 'inplace-newer';
    const runs: unknown[] = [];
    stack.emulator.model.putGroup(groupState(id, { engineVersion: '9.1' }));
    const upgrades = soakStarter(runs);
    await scan(id, STEP_BACK, upgrades);
    stack.emulator.clock.advance(10 * 60_000);

    // Act
    await scan(id, STEP_BACK, upgrades);

    // Assess
    expect(runs).toEqual([
      expect.objectContaining({
        output: expect.objectContaining({
          status: 'succeeded',
          soak: expect.objectContaining({ outcome: 'quiet' }),
        }),
      }),
    ]);
    expect(durabilityRequests(id)).toEqual(['sync']);
    expect(
      requestsReached(stack.emulator, 'ModifyReplicationGroup').some(
        (request) => 'EngineVersion' in request.params,
      ),
    ).toBe(false);
  });

  it('starts one soak when two runs close the same change', async () => {
    // Prepare
    const id = 'inplace-twice';
    const { runs, upgrades } = await soakedChange(id);

    // Act
    const closing = await Promise.all([scan(id, STEP_BACK, upgrades), scan(id, STEP_BACK, upgrades)]);

    // Assess
    expect(startRequests()).toBe(1);
    expect(runs).toHaveLength(1);
    expect(durabilityRequests(id)).toEqual(['sync']);
    const reasons = closing.map((report) => findingOf(report, id)?.reason ?? '');
    expect(reasons.filter((reason) => reason.includes('soak inplace-twice-soak-'))).toHaveLength(1);
  });

  it('starts one soak execution when the answer to its StartExecution is lost and the SDK sends it again', async () => {
    // Prepare: the first StartExecution takes effect, then its answer is a 503.
    const id = 'inplace-lost';
    const { runs, upgrades } = await soakedChange(id);
    loseStartAnswers(1);

    // Act
    const closing = await scan(id, STEP_BACK, upgrades);

    // Assess: two requests under one name, one execution.
    expect(startRequests()).toBe(2);
    expect(executionsOf(id)).toHaveLength(1);
    expect(runs).toHaveLength(1);
    expect(findingOf(closing, id)?.reason).toMatch(/soak inplace-lost-soak-\d{17} started/);
  });

  it('starts exactly one soak when the run that handed the lease over stops before StartExecution', async () => {
    // Prepare: the closing run dies between its lease write and its StartExecution.
    const id = 'inplace-killed';
    const { runs, upgrades } = await soakedChange(id);
    const dying: UpgradeStarter = {
      start: () => Promise.reject(new Error('the run stopped (timeout) before StartExecution')),
    };

    // Act
    const killed = await scan(id, STEP_BACK, dying).catch((error: unknown) => error);
    const next = await scan(id, STEP_BACK, upgrades);
    const later = await scan(id, STEP_BACK, upgrades);

    // Assess: no StartExecution from the run that died; one from the next; none after.
    expect(killed).toBeInstanceOf(Error);
    expect(startRequests()).toBe(1);
    expect(executionsOf(id)).toEqual([expect.stringMatching(new RegExp(`^${id}-soak-\\d{17}$`))]);
    expect(runs).toEqual([
      expect.objectContaining({
        output: expect.objectContaining({
          status: 'succeeded',
          soak: expect.objectContaining({ outcome: 'quiet' }),
        }),
      }),
    ]);
    expect(findingOf(next, id)?.reason).toMatch(new RegExp(`soak ${id}-soak-\\d{17} started`));
    expect(findingOf(later, id)?.reason).not.toContain('soak');
    expect(durabilityRequests(id)).toEqual(['sync']);
  });

  it('starts the soak once when every answer to its StartExecution is lost: the next run finds it by name', async () => {
    // Prepare: StartExecution takes effect, and every attempt's answer is a 503.
    const id = 'inplace-unanswered';
    const { runs, upgrades } = await soakedChange(id);
    loseStartAnswers(10);
    const unanswered = await scan(id, STEP_BACK, upgrades);
    stack.emulator.faults.reset();

    // Act
    const next = await scan(id, STEP_BACK, upgrades);

    // Assess: one execution, watched once; the next run's start answered the running one.
    expect(findingOf(unanswered, id)?.reason).toContain('not started yet');
    expect(findingOf(next, id)?.reason).toMatch(new RegExp(`soak ${id}-soak-\\d{17} started`));
    expect(executionsOf(id)).toHaveLength(1);
    expect(startRequests()).toBe(1);
    expect(runs).toEqual([
      expect.objectContaining({
        output: expect.objectContaining({
          status: 'succeeded',
          soak: expect.objectContaining({ outcome: 'quiet' }),
        }),
      }),
    ]);
  });

  it('sends nothing when a migration holds the group’s lock: the soak does not start watching', async () => {
    // Prepare
    const id = 'inplace-locked';
    const { runs, upgrades } = await soakedChange(
      id,
      beforeLook(1, () => workload(id, 'burst')),
    );
    await takeLock(stack.store, id, 'mig-inplace-locked', deps.now(), { kind: 'migration' });

    // Act
    await scan(id, STEP_BACK, upgrades);
    const next = await scan(id, STEP_BACK, upgrades);
    const after = await scan(id, STEP_BACK, upgrades);

    // Assess: the next run's start finds the name closed and gives the lease back; no second soak.
    expect(startRequests()).toBe(2);
    expect(executionsOf(id)).toHaveLength(1);
    expect(runs).toEqual([expect.objectContaining({ error: 'UpgradeLocked' })]);
    expect(findingOf(next, id)?.reason).toMatch(
      /soak inplace-locked-soak-\d{17} ended without watching the group/,
    );
    expect(findingOf(after, id)?.reason).not.toContain('soak');
    expect(durabilityRequests(id)).toEqual(['sync']);
    expect(stack.emulator.model.groups.get(id)?.effectiveDurability).toBe('sync');
  });

  it('starts no soak for a rule with soak: false, nor without an upgrade workflow, and says so', async () => {
    // Prepare
    const runs: unknown[] = [];
    const upgrades = soakStarter(runs);
    await changeInPlace('inplace-nosoak', 'false', upgrades);
    await changeInPlace('inplace-noworkflow', STEP_BACK);

    // Act
    const unsoaked = await scan('inplace-nosoak', 'false', upgrades);
    const unstarted = await scan('inplace-noworkflow', STEP_BACK);

    // Assess
    expect(startRequests()).toBe(0);
    expect(runs).toEqual([]);
    expect(findingOf(unsoaked, 'inplace-nosoak')).toMatchObject({
      status: 'compliant',
      reason: expect.stringContaining('not soaked: rule durable has no soak'),
    });
    expect(findingOf(unstarted, 'inplace-noworkflow')?.reason).toContain('not soaked: no upgrade workflow');
  });

  it('stops, nothing sent, when the group it was started to watch no longer runs the target', async () => {
    // Prepare: the change was undone before the execution planned.
    const id = 'inplace-undone';
    stack.emulator.model.putGroup(groupState(id));
    const input = {
      replicationGroupId: id,
      target: 'sync',
      allow: [],
      enforce: true,
      soak: { windowSeconds: 1800, onBreach: 'alert' },
      inPlaceChange: { rule: 'durable', startedAt: '2026-11-25T10:00:00.000Z' },
    };
    const clock = { advance: (ms: number) => stack.emulator.clock.advance(ms) };

    // Act
    const error = await runUpgradeLocally(deps, input, { clock, executionName: `${id}-soak-1` }).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toMatchObject({
      error: 'PlanChanged',
      causeText: expect.stringContaining('nothing was sent'),
    });
    expect(durabilityRequests(id)).toEqual([]);
    expect(stack.emulator.model.groups.get(id)?.effectiveDurability).toBe('disabled');
  });
});

describe('Durability job: a group its soak stepped back is held', () => {
  /** A rule of minimum sync: after the step back to async the group violates it again. */
  const SYNC = 'sync';

  /** The group raised to sync, its soak stepping it back after a burst, and ten minutes gone. */
  async function steppedBack(id: string) {
    const { upgrades } = await soakedChange(
      id,
      beforeLook(2, () => workload(id, 'burst')),
      SYNC,
    );
    await scan(id, STEP_BACK, upgrades, SYNC);
    stack.emulator.clock.advance(10 * 60_000);
    return upgrades;
  }

  it('raises the group again in no later run, scan or reaction, and says why; after a release the next run does', async () => {
    // Prepare
    const id = 'hold-flipflop';
    const upgrades = await steppedBack(id);
    expect(durabilityRequests(id)).toEqual(['sync', 'async']);

    // Act: two scans and a reaction after the step back.
    const later = [await scan(id, STEP_BACK, upgrades, SYNC), await scan(id, STEP_BACK, upgrades, SYNC)];
    const reaction = await checkGroup(
      { ...stack.durabilityDeps('react'), upgrades },
      { policy: policy(id, STEP_BACK, SYNC), dryRun: false },
      id,
    );

    // Assess: nothing sent, nothing started, the finding says held and how to release it.
    expect(durabilityRequests(id)).toEqual(['sync', 'async']);
    expect(startRequests()).toBe(1);
    for (const report of [...later, reaction.report ?? { findings: [] }])
      expect(findingOf(report, id)).toMatchObject({
        status: 'violation',
        action: 'held',
        reason: expect.stringMatching(
          new RegExp(
            `held: soak ${id}-soak-\\d{17} stepped ${id} back to async at \\S+ \\(TrafficManagementActive 1.*guardrails upgrade release ${id} --reason`,
          ),
        ),
      });
    const skipped = stack.emulator.sinks.events.filter(
      (event) => event.detailType === DETAIL_TYPES.remediationSkipped,
    );
    expect(skipped.map((event) => (event.detail as { finding: Finding }).finding.action)).toEqual(['held']);

    // Act: the operator releases the group; the next run raises it again.
    await releaseSoakHold(stack.store, id, {
      by: 'operator',
      at: '2026-12-07T12:00:00Z',
      reason: 'shards added',
    });
    const released = await scan(id, STEP_BACK, upgrades, SYNC);

    // Assess
    expect(findingOf(released, id)?.action).toBe('modify-requested');
    expect(durabilityRequests(id)).toEqual(['sync', 'async', 'sync']);
  });

  it('is a new decision when the rule changes: another soak raises the group again', async () => {
    // Prepare
    const id = 'hold-rule-changed';
    const upgrades = await steppedBack(id);

    // Act: the rule now alerts instead of stepping back.
    const alerting = '{ window: 30m, onBreach: alert }';
    const report = await scan(id, alerting, upgrades, SYNC);

    // Assess
    expect(findingOf(report, id)?.action).toBe('modify-requested');
    expect(durabilityRequests(id)).toEqual(['sync', 'async', 'sync']);
  });
});

describe('Durability reaction: the soak after an in-place change', () => {
  const MEMBER = '100000000001';
  let organisation: Stack;
  beforeAll(async () => {
    organisation = await startStack({ targets: { accounts: [MEMBER], regions: [REGION] } });
  });
  afterAll(() => organisation.close());

  it('starts the soak of a change in its own account and region, and none for a member account’s', async () => {
    // Prepare: the same group in the deployment's account and in a member's.
    const { emulator } = organisation;
    emulator.model.putGroup(groupState('react-home'));
    emulator.fleetOf(MEMBER, REGION).putGroup(groupState('react-member'));
    const aws = { endpoint: emulator.endpoint, region: REGION };
    const started: string[] = [];
    const starter = new StepFunctionsUpgradeStarter(MACHINE, aws);
    const upgrades: UpgradeStarter = {
      start: (name, input) => {
        started.push(name);
        return starter.start(name, input);
      },
    };
    const deps = {
      ...organisation.durabilityDeps('react'),
      upgrades,
      home: { account: '123456789012', region: REGION },
      members: new MemberClients({ roleName: DEFAULT_MEMBER_ROLE }, aws),
      units: new OrganizationUnits(aws),
    };
    const settings = {
      policy: parsePolicy(
        `version: 1
settings: { targets: { accounts: ['${MEMBER}'], regions: [${REGION}] } }
rules:
  - name: durable
    mode: enforce
    match: { ids: [react-*] }
    durability: { minimum: async, set: sync, soak: ${STEP_BACK} }
`,
        'policy.yaml',
      ),
      dryRun: false,
    };
    const rechecks = {
      queue: new RecheckQueue(`${emulator.endpoint}/123456789012/recheck`, aws),
      maxRechecks: 3,
    };
    const react = (resourceId: string, attempt: number, target?: { account: string; region: string }) =>
      reactToEvent(deps, settings, rechecks, {
        trigger: 'cloudtrail',
        name: 'ModifyReplicationGroup',
        resourceType: 'replication-group',
        resourceId,
        attempt,
        ...(target === undefined ? {} : { target }),
      });
    const member = { account: MEMBER, region: REGION };
    await react('react-home', 0);
    await react('react-member', 0, member);
    emulator.clock.advance(10 * 60_000);

    // Act: the re-checks that see the changes take effect.
    const home = await react('react-home', 1);
    const away = await react('react-member', 1, member);

    // Assess
    expect(emulator.model.groups.get('react-home')?.effectiveDurability).toBe('sync');
    expect(emulator.fleetOf(MEMBER, REGION).groups.get('react-member')?.effectiveDurability).toBe('sync');
    expect(started).toEqual([expect.stringMatching(/^react-home-soak-\d{17}$/)]);
    expect(emulator.faults.count('StartExecution')).toBe(1);
    const durability = (findings: Finding[]) => findings.find((finding) => finding.check === 'durability');
    expect(durability(home.findings)?.reason).toContain('soak react-home-soak-');
    expect(durability(away.findings)?.reason).toContain('not soaked: no upgrade workflow');
  });
});
