/**
 * Chapter 3 of `npm start`: the fleet's durability plan through `guardrails plan` (the sandbox
 * CLI), the verdict counts, the plans of three groups and the workload fit of two whose write
 * workload the sandbox's CloudWatch shows (one that fits, one that needs more shards first).
 * Everything goes through the real SDK to the sandbox.
 */
import type { PlanVerdict } from '../../../shared/domain/durability/readiness.js';
import type { WorkloadFit } from '../../../shared/domain/durability/workload-fit.js';
import { runSandboxCli } from '../cli.js';
import type { Demo } from './sandbox.js';
import { LEGACY } from './sandbox.js';

interface PlanOutput {
  summary: Record<PlanVerdict, number>;
  plans: {
    resourceId: string;
    verdict: PlanVerdict;
    steps?: { summary: string; unattended: boolean }[];
    blockers?: string[];
    reason?: string;
    missing?: string[];
    fit: WorkloadFit;
  }[];
}

/**
 * The write workloads CloudWatch shows for 14 days before the plan, per shard primary: a group in
 * place already that durability takes easily, and one that writes more than a durable primary takes.
 */
export const WORKLOADS = [
  { groupId: 'cart-1', writeMiBs: 5 },
  { groupId: 'orders-00027', writeMiBs: 120 },
] as const;

/** The groups whose plans are shown: one in place already, one legacy, one that needs scaling. */
const SHOWN = ['cart-1', LEGACY, 'auth-00030'];

/** A plan in one line: its numbered steps, or what blocks it, or why there is nothing to do. */
const describe = (plan: PlanOutput['plans'][number]) =>
  plan.steps
    ?.map((step, index) => `${index + 1}. ${step.summary}${step.unattended ? '' : ' [approval]'}`)
    .join(', ') ??
  plan.blockers?.join('; ') ??
  plan.reason ??
  `${plan.missing?.join(', ')} not known`;

/** A fit in one line: its verdict and peak, then what it means for the group. */
function fitLine(plan: PlanOutput['plans'][number]): string {
  const { verdict, peakWriteMiBs, recommendations } = plan.fit;
  const head = `${verdict} ${peakWriteMiBs?.toFixed(1) ?? '?'} MiB/s`.padEnd(22);
  if (verdict === 'fits') return `${head} durability takes these writes as they are: no change first`;
  const first = recommendations.map((recommendation) => recommendation.text).join('; ');
  if (verdict !== 'exceeds') return `${head} ${first}`;
  return `${head} a durable primary takes 100 MiB/s, beyond it writes are throttled: ${first}; the plan: ${describe(plan)}`;
}

/**
 * `guardrails plan` of the fleet under the demo's policy file: the verdict counts, and the plans
 * of the groups shown (one line each).
 */
export async function readinessPlan(demo: Demo): Promise<void> {
  demo.say(
    'What it takes to bring each prod-durability group to async: the readiness plan (guardrails plan)',
  );
  for (const { groupId, writeMiBs } of WORKLOADS) demo.workload({ groupId, shape: 'steady', writeMiBs });
  const args = ['plan', '--policy', demo.policyFile];
  let json = '';
  await runSandboxCli([...args, '--format', 'json'], { ...demo.io, stdout: (text) => (json += text) });
  const output = JSON.parse(json) as PlanOutput;
  const counts = Object.entries(output.summary)
    .map(([verdict, count]) => `${count} ${verdict}`)
    .join(', ');
  demo.line(`${output.plans.length} group plans: ${counts}`);
  for (const id of SHOWN)
    for (const plan of output.plans.filter((item) => item.resourceId === id))
      demo.line(`${id.padEnd(14)} ${plan.verdict.padEnd(14)} ${describe(plan)}`);
  demo.line(
    "the demo's policy allows the staged steps (stagedChanges), so they run unattended; a step with client impact (clients must switch) still waits for an approval [approval]",
  );
  demo.line(
    'will durability fit the write workload? (peak MiB/s per shard primary over 14 days, from CloudWatch)',
  );
  for (const { groupId } of WORKLOADS)
    for (const plan of output.plans.filter((item) => item.resourceId === groupId))
      demo.line(`${groupId.padEnd(14)} ${fitLine(plan)}`);
  demo.reproduce(args);
}
