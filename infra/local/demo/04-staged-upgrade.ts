/**
 * Chapter 4 of `npm start`: one staged upgrade of the legacy group to `sync` through
 * infra/durability-upgrade.asl.yaml, the steps the policy allows run unattended, its one
 * approval (the step with client impact) given in process.
 */

import { durabilityHealthReader } from '../../../shared/aws/durability-metrics.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { runUpgradeLocally } from '../upgrade-workflow.js';
import { type Demo, LEGACY } from './sandbox.js';

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
  const started = emulator.clock.now();
  const approvals: string[] = [];
  const allow = demo.policy.rules.find((rule) => rule.name === 'prod-durability')?.durability?.stagedChanges
    .allow;
  const run = await runUpgradeLocally(
    {
      elasticache: demo.clients.elasticache,
      store: demo.store,
      events: demo.events,
      alerts: demo.alerts,
      now: demo.now,
      readHealth: durabilityHealthReader(demo.durabilityDeps('durability-upgrade').cloudwatch),
    },
    { replicationGroupId: LEGACY, target: 'sync', allow: allow ?? [], enforce: true },
    {
      clock: emulator.clock,
      executionName: 'demo-upgrade-1',
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
  line(
    `now ${group?.engine} ${group?.engineVersion}, cluster mode ${group?.clusterMode}, ${group?.replicas} replica, Multi-AZ ${group?.multiAZ}, TLS ${group?.tls ? (group.transitEncryptionMode ?? 'required') : 'off'}`,
  );
  line(
    `${run.transitions} state transitions ($${(run.transitions * 0.000025).toFixed(5)} on Standard Step Functions), ${Math.round((emulator.clock.now() - started) / 60_000)} min of emulator time`,
  );
  demo.reproduce(['scan', '--policy', demo.policyFile, '--resource', LEGACY]);
}
