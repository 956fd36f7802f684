/**
 * The readiness chapters of `npm start`: the fleet's durability plan through `guardrails plan`,
 * and one staged upgrade of a legacy group through infra/durability-upgrade.asl.yaml, its one
 * approval given in process. Everything goes through the real SDK to the sandbox.
 */

import type { CliIo } from '../../cli/main.js';
import { DETAIL_TYPES } from '../../shared/aws/notify.js';
import type { PlanVerdict } from '../../shared/domain/durability/readiness.js';
import type { UpgradeDeps } from '../../shared/jobs/upgrade/deps.js';
import type { Emulator } from './emulator/server.js';
import { runUpgradeLocally } from './upgrade-workflow.js';

export interface ReadinessDemo {
  emulator: Emulator;
  deps: UpgradeDeps;
  /** Runs a CLI command in process (the sandbox CLI) with this io; returns its exit code. */
  cli: (args: string[], io: CliIo) => Promise<number>;
  io: CliIo;
  /** Prints one indented line. */
  line: (text: string) => void;
  /** Prints the command that reproduces a step. */
  reproduce: (args: string[]) => void;
}

interface PlanOutput {
  summary: Record<PlanVerdict, number>;
  plans: {
    resourceId: string;
    verdict: PlanVerdict;
    steps?: { summary: string; unattended: boolean }[];
    blockers?: string[];
    reason?: string;
    missing?: string[];
  }[];
}

/** A plan in one line: its numbered steps, or what blocks it, or why there is nothing to do. */
const describe = (plan: PlanOutput['plans'][number]) =>
  plan.steps
    ?.map((step, index) => `${index + 1}. ${step.summary}${step.unattended ? '' : ' [approval]'}`)
    .join(', ') ??
  plan.blockers?.join('; ') ??
  plan.reason ??
  `${plan.missing?.join(', ')} not known`;

/**
 * `guardrails plan` of the fleet under `policyFile`: the verdict counts, and the plans of
 * `shown` (one line each).
 */
export async function showFleetPlan(demo: ReadinessDemo, policyFile: string, shown: string[]) {
  const args = ['plan', '--endpoint-url', demo.emulator.endpoint, '--policy', policyFile];
  let json = '';
  await demo.cli([...args, '--format', 'json'], { ...demo.io, stdout: (text) => (json += text) });
  const output = JSON.parse(json) as PlanOutput;
  const counts = Object.entries(output.summary)
    .map(([verdict, count]) => `${count} ${verdict}`)
    .join(', ');
  demo.line(`${output.plans.length} group plans: ${counts}`);
  for (const id of shown)
    for (const plan of output.plans.filter((item) => item.resourceId === id))
      demo.line(`${id.padEnd(14)} ${plan.verdict.padEnd(14)} ${describe(plan)}`);
  demo.reproduce(args);
}

/**
 * One staged upgrade of `groupId` to `sync` through the real ASL, steps the policy allows run
 * unattended, the step with client impact approved in process; prints each step from the
 * `Durability Upgrade *` events the sandbox captured, and the end state.
 */
export async function showStagedUpgrade(demo: ReadinessDemo, groupId: string, allow: string[]) {
  const { emulator, line } = demo;
  const from = emulator.sinks.events.length;
  const started = emulator.clock.now();
  const approvals: string[] = [];
  const run = await runUpgradeLocally(
    demo.deps,
    { replicationGroupId: groupId, target: 'sync', allow, enforce: true },
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
  const group = emulator.model.groups.get(groupId);
  line(
    `${output.status}: ${output.steps.length} steps, ${approvals.length} approval${approvals.length === 1 ? '' : 's'}; EffectiveDurability ${output.effectiveDurability}; pre-upgrade snapshot ${output.snapshot}`,
  );
  line(
    `now ${group?.engine} ${group?.engineVersion}, cluster mode ${group?.clusterMode}, ${group?.replicas} replica, Multi-AZ ${group?.multiAZ}, TLS ${group?.tls ? (group.transitEncryptionMode ?? 'required') : 'off'}`,
  );
  line(
    `${run.transitions} state transitions ($${(run.transitions * 0.000025).toFixed(5)} on Standard Step Functions), ${Math.round((emulator.clock.now() - started) / 60_000)} min of emulator time`,
  );
}
