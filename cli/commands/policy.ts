/** `guardrails policy validate|explain`: check a policy file, and explain it for one resource. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { checkPolicyFile, loadPolicyFile } from '../../shared/aws/policy-file.js';
import { describeVerdict, planFleet } from '../../shared/domain/durability/fleet-plan.js';
import { explainRules } from '../../shared/domain/evaluate.js';
import { ouNotes } from '../../shared/domain/match.js';
import { PolicyError } from '../../shared/domain/policy/load.js';
import { clip, listProblems } from '../../shared/runtime/echo.js';
import { InputValidationError } from '../../shared/runtime/errors.js';
import { withEngineVersions } from '../fleet-source.js';
import { type CliIo, EXIT, emitOutput, emitResult, type OutputFlags, withOutput } from '../io.js';
import { type FleetFlags, fleetOf, liveOptions, withFleet } from '../options.js';
import type { CommandContext } from './context.js';
import { hasViolation } from './scan.js';

/** `1 rule`, `2 rules`. */
const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

async function validate(file: string, flags: OutputFlags & { strict?: true }, io: CliIo): Promise<number> {
  const { policy: checked, warnings } = await checkPolicyFile(file, new Date());
  // --strict: what can never take effect refuses the file, as an error does.
  if (flags.strict === true && warnings.length > 0) throw new PolicyError(listProblems(warnings));
  const row = {
    file,
    valid: 'true',
    rules: String(checked.rules.length),
    exemptions: String(checked.exemptions.length),
    warnings: String(warnings.length),
  };
  const warned = warnings.length === 0 ? '' : `, ${counted(warnings.length, 'warning')}`;
  const text = `${file}: valid (${counted(checked.rules.length, 'rule')}, ${counted(checked.exemptions.length, 'exemption')}${warned})\n`;
  for (const warning of warnings) io.stderr(`guardrails: warning: ${warning}\n`);
  for (const note of ouNotes(checked)) io.stderr(`guardrails: note: ${note}\n`);
  // A script reads each warning (with its line) from json; a table counts them.
  await emitResult({ text, rows: [row], columns: Object.keys(row), data: [{ ...row, warnings }] }, flags, io);
  return EXIT.compliant;
}

async function explain(flags: FleetFlags & OutputFlags & { resource: string }, io: CliIo): Promise<number> {
  const policy = await loadPolicyFile(flags.policy);
  const resource = (await fleetOf(flags, io)).find(
    (item) => item.id === flags.resource || item.arn === flags.resource,
  );
  if (resource === undefined)
    throw new InputValidationError(`--resource ${clip(flags.resource)}: no such resource in the fleet`);
  await withEngineVersions(liveOptions(flags), [resource], io);
  const explanation = explainRules(resource, policy, new Date());
  // The same readiness plan `guardrails plan` prints, for each durability rule that applies.
  const plans = planFleet(
    [resource],
    explanation.flatMap((rule) => rule.findings),
    policy,
  );
  const readiness = plans.map(({ rule, plan }) => ({ rule, ...plan }));
  const lines = [`${resource.type} ${resource.id} (${resource.arn})`];
  for (const rule of explanation) {
    lines.push('', `${rule.rule} [${rule.mode}]: ${rule.matches ? 'applies' : 'does not apply'}`);
    for (const item of rule.criteria) lines.push(`  ${item.holds ? '+' : '-'} ${item.criterion}`);
    for (const finding of rule.findings) lines.push(`  => ${finding.status}: ${finding.reason}`);
    for (const { plan } of plans.filter((item) => item.rule === rule.rule)) {
      lines.push(`  plan: ${describeVerdict(plan)}`);
      if (plan.verdict === 'in-place' || plan.verdict === 'staged')
        for (const [index, step] of plan.steps.entries())
          lines.push(
            `    ${index + 1}. ${step.summary} (${step.unattended ? 'unattended' : 'needs approval'}; ~${step.expectedMinutes} min)`,
          );
    }
  }
  await emitOutput(
    {
      kind: 'document',
      text: `${lines.join('\n')}\n`,
      data: { resource, rules: explanation, plans: readiness },
    },
    flags,
    io,
  );
  return hasViolation(explanation.flatMap((rule) => rule.findings)) ? EXIT.violations : EXIT.compliant;
}

/** Adds `policy validate` and `policy explain` to `parent`. */
export function addPolicy(parent: CommandUnknownOpts, context: CommandContext): void {
  const policy = parent.command('policy').description('Check and explain a policy.');
  withOutput(policy.command('validate'), 'rows')
    .description(
      'Check a policy file; every problem is shown with its line, and every setting that can never take effect is warned of.',
    )
    .argument('<file>', 'policy file (YAML)')
    .option('--strict', 'refuse the file for a warning too (exit 2)')
    .action(async (file, flags) => {
      context.exit.code = await validate(file, flags, context.io);
    });
  withOutput(withFleet(policy.command('explain')), 'document')
    .description('Which rules match a resource, why, and what they find.')
    .requiredOption('--resource <id>', 'replication group id, serverless cache name or ARN')
    .action(async (flags) => {
      context.exit.code = await explain(flags, context.io);
    });
}
