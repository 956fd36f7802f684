/** `guardrails policy validate|explain`: check a policy file, and explain it for one resource. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadPolicyFile } from '../../aws/policy-file.js';
import { explainRules } from '../../domain/evaluate.js';
import { clip } from '../../runtime/echo.js';
import { InputValidationError } from '../../runtime/errors.js';
import { type CliIo, EXIT, emit, emitResult, formatOf, type OutputFlags, withOutput } from '../io.js';
import { type FleetFlags, fleetOf, withFleet } from '../options.js';
import type { CommandContext } from './context.js';
import { hasViolation } from './scan.js';

async function validate(file: string, flags: OutputFlags, io: CliIo): Promise<number> {
  const checked = await loadPolicyFile(file);
  const row = {
    file,
    valid: 'true',
    rules: String(checked.rules.length),
    exemptions: String(checked.exemptions.length),
  };
  const text = `${file}: valid (${row.rules} rules, ${row.exemptions} exemptions)\n`;
  await emitResult({ text, rows: [row], columns: Object.keys(row) }, flags, io);
  return EXIT.compliant;
}

async function explain(flags: FleetFlags & OutputFlags & { resource: string }, io: CliIo): Promise<number> {
  const policy = await loadPolicyFile(flags.policy);
  const resource = (await fleetOf(flags, io)).find(
    (item) => item.id === flags.resource || item.arn === flags.resource,
  );
  if (resource === undefined)
    throw new InputValidationError(`--resource ${clip(flags.resource)}: no such resource in the fleet`);
  const explanation = explainRules(resource, policy, new Date());
  if (formatOf(flags, io) === 'json') {
    await emit(`${JSON.stringify({ resource, rules: explanation }, null, 2)}\n`, flags, io);
  } else {
    const lines = [`${resource.type} ${resource.id} (${resource.arn})`];
    for (const rule of explanation) {
      lines.push('', `${rule.rule} [${rule.mode}]: ${rule.matches ? 'applies' : 'does not apply'}`);
      for (const item of rule.criteria) lines.push(`  ${item.holds ? '+' : '-'} ${item.criterion}`);
      for (const finding of rule.findings) lines.push(`  => ${finding.status}: ${finding.reason}`);
    }
    await emit(`${lines.join('\n')}\n`, flags, io);
  }
  return hasViolation(explanation.flatMap((rule) => rule.findings)) ? EXIT.violations : EXIT.compliant;
}

/** Adds `policy validate` and `policy explain` to `parent`. */
export function addPolicy(parent: CommandUnknownOpts, context: CommandContext): void {
  const policy = parent.command('policy').description('Check and explain a policy.');
  withOutput(policy.command('validate'))
    .description('Check a policy file; every problem is shown with its line.')
    .argument('<file>', 'policy file (YAML)')
    .action(async (file, flags) => {
      context.exit.code = await validate(file, flags, context.io);
    });
  withOutput(withFleet(policy.command('explain')))
    .description('Which rules match a resource, why, and what they find.')
    .requiredOption('--resource <id>', 'replication group id, serverless cache name or ARN')
    .action(async (flags) => {
      context.exit.code = await explain(flags, context.io);
    });
}
