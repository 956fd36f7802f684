/**
 * Chapter 4 of `npm start`: one staged upgrade of the legacy group to `sync` through
 * infra/durability-upgrade.asl.yaml, the steps the policy allows run unattended, its one
 * approval (the step with client impact) given in process; then the policy's soak, a write burst
 * during it, and the step back to async it makes unattended.
 */

import { durabilityHealthReader } from '../../../shared/aws/durability-metrics.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { soakInputOf } from '../../../shared/domain/durability/soak.js';
import type { LocalTask } from '../step-functions.js';
import { runUpgradeLocally } from '../upgrade-workflow.js';
import { type Demo, LEGACY } from './sandbox.js';

/** Writes per primary in the burst during the soak, in MiB/s: over the 100 MiB/s a durable primary takes. */
const BURST_MIBS = 150;

/**
 * The group's writes during the soak: a steady 5 MiB/s per primary up to the soak's first look,
 * then a 5-minute burst of {@link BURST_MIBS}.
 */
function burstAfterFirstLook(demo: Demo): (task: LocalTask) => LocalTask {
  let looks = 0;
  return (task) => async (event) => {
    if ((event as { action?: string }).action !== 'soak-check') return task(event);
    looks += 1;
    if (looks === 1) demo.workload({ groupId: LEGACY, shape: 'steady', writeMiBs: 5 });
    const result = await task(event);
    if (looks === 1) demo.workload({ groupId: LEGACY, shape: 'burst', writeMiBs: BURST_MIBS });
    return result;
  };
}

/** What the soak's `Durability Upgrade Step` events carry. */
interface SoakDetail {
  step?: string;
  windowSeconds?: number;
  looks?: number;
  onBreach?: string;
  reasons?: string[];
}

/** The soak's events, one line each: started, breached (with why), stepped back. */
function soakLine(demo: Demo, at: string, detail: SoakDetail): void {
  if (detail.step === 'soak-started')
    demo.line(
      `${at} soak: ${(detail.windowSeconds ?? 0) / 60} min, ${detail.looks} looks at DurabilityLag, DurabilityBufferExceededErrorCount, TrafficManagementActive, write latency; on a breach ${detail.onBreach === 'step-back' ? 'step back to async' : detail.onBreach}`,
    );
  else if (detail.step === 'soak-breached')
    demo.line(`${at} a ${BURST_MIBS} MiB/s burst breached the soak: ${detail.reasons?.join('; ')}`);
  else if (detail.step === 'stepped-back') demo.line(`${at} done: stepped back to async`);
}

/**
 * The soak's alert, with the numbers it carried, and how often a step back reached ElastiCache
 * (every `ModifyReplicationGroup Durability=async` since `requests`, refused ones too).
 */
function tellStepBack(demo: Demo, requests: number): void {
  const { emulator } = demo;
  const alert = emulator.sinks.messages.find(
    (message) => message.subject === `Durability soak of ${LEGACY} breached`,
  );
  const stepBacks = emulator.faults.log
    .slice(requests)
    .filter(
      ({ action, params }) =>
        action === 'ModifyReplicationGroup' && (params as { Durability?: string }).Durability === 'async',
    ).length;
  demo.line(
    `the alert "${alert?.subject}" carried the numbers: ${alert?.message.match(/Read: (.+?)\.(\n|$)/)?.[1]}`,
  );
  demo.line(
    `the soak stepped ${LEGACY} back from sync to async ${stepBacks === 1 ? 'once' : `${stepBacks} times`} (ModifyReplicationGroup Durability=async, unattended as the policy says)`,
  );
}

/**
 * Runs the upgrade through the real ASL; prints each step from the `Durability Upgrade *` events
 * the sandbox captured, and the end state.
 */
export async function stagedUpgrade(demo: Demo): Promise<void> {
  demo.say(
    `A staged upgrade of ${LEGACY} to sync through infra/durability-upgrade.asl.yaml (snapshot first)`,
  );
  const { emulator, line } = demo;
  const from = emulator.sinks.events.length;
  const requests = emulator.faults.log.length;
  const started = emulator.clock.now();
  const approvals: string[] = [];
  const durability = demo.policy.rules.find((rule) => rule.name === 'prod-durability')?.durability;
  if (durability === undefined) throw new Error("the demo's policy has no prod-durability rule");
  const run = await runUpgradeLocally(
    {
      elasticache: demo.clients.elasticache,
      store: demo.store,
      events: demo.events,
      alerts: demo.alerts,
      now: demo.now,
      readHealth: durabilityHealthReader(demo.durabilityDeps('durability-upgrade').cloudwatch),
    },
    {
      replicationGroupId: LEGACY,
      target: 'sync',
      allow: durability.stagedChanges.allow,
      enforce: true,
      soak: soakInputOf(durability.soak),
    },
    {
      clock: emulator.clock,
      executionName: 'demo-upgrade-1',
      wrap: burstAfterFirstLook(demo),
      onTaskToken: async (_token, state) => {
        approvals.push(state);
        return { approved: true, by: 'npm start (approved in process)' };
      },
    },
  );
  const minutes = (time: string) => `+${Math.round((Date.parse(time) - started) / 60_000)} min`.padEnd(8);
  let requested = '';
  for (const event of emulator.sinks.events.slice(from)) {
    const detail = event.detail as Record<string, string | undefined>;
    const at = minutes(event.time);
    if (event.detailType === DETAIL_TYPES.upgradeApproval)
      line(`${at} approval requested (client impact ${detail.clientImpact}), approved in process`);
    else if (detail.step === 'snapshot-available') line(`${at} snapshot ${detail.snapshot} available`);
    else if (detail.step === 'step-requested') requested = detail.summary ?? '';
    else if (detail.step === 'step-completed') line(`${at} done: ${requested}`);
    else soakLine(demo, at, event.detail as SoakDetail);
  }
  const output = run.output as {
    status: string;
    effectiveDurability: string;
    steps: string[];
    snapshot: string;
  };
  const group = emulator.model.groups.get(LEGACY);
  line(
    `${output.status}: ${output.steps.length} steps, ${approvals.length} approval${approvals.length === 1 ? '' : 's'}; EffectiveDurability ${output.effectiveDurability}; pre-upgrade snapshot ${output.snapshot}`,
  );
  tellStepBack(demo, requests);
  line(
    `now ${group?.engine} ${group?.engineVersion}, cluster mode ${group?.clusterMode}, ${group?.replicas} replica, Multi-AZ ${group?.multiAZ}, TLS ${group?.tls ? (group.transitEncryptionMode ?? 'required') : 'off'}`,
  );
  line(
    `${run.transitions} state transitions ($${(run.transitions * 0.000025).toFixed(5)} on Standard Step Functions), ${Math.round((emulator.clock.now() - started) / 60_000)} min of emulator time`,
  );
  demo.reproduce(['scan', '--policy', demo.policyFile, '--resource', LEGACY]);
}
