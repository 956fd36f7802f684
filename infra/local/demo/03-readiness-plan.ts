/**
 * Chapter 3 of `npm start`: the fleet's durability plan through `guardrails plan` (the sandbox
 * CLI), the verdict counts and the plans of three groups. Everything goes through the real SDK
 * to the sandbox.
 */
import type { PlanVerdict } from '../../../shared/domain/durability/readiness.js';
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
  }[];
}

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

/**
 * `guardrails plan` of the fleet under the demo's policy file: the verdict counts, and the plans
 * of the groups shown (one line each).
 */
export async function readinessPlan(demo: Demo): Promise<void> {
  demo.say(
    'What it takes to bring each prod-durability group to async: the readiness plan (guardrails plan)',
  );
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
  demo.reproduce(args);
}
