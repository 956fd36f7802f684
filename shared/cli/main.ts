import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { createFleetClients } from '../aws/clients.js';
import { readFleet } from '../aws/elasticache.js';
import { AwsCallError } from '../aws/errors.js';
import { evaluate, summarize } from '../domain/evaluate.js';
import type { Finding } from '../domain/finding.js';
import { loadPolicyFile } from '../domain/policy/load.js';
import { FORMATS, type Format, renderReport } from './format.js';

/** Exit codes, as documented in the README. */
export const EXIT = { compliant: 0, violations: 1, usage: 2, aws: 3 } as const;

export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../../infra/policy.default.yaml', import.meta.url));

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

interface ScanOptions {
  policy: string;
  region?: string;
  endpointUrl?: string;
  profile?: string;
  format?: Format;
  output?: string;
}

function exitCodeFor(findings: Finding[]): number {
  return findings.some((finding) => finding.status === 'violation') ? EXIT.violations : EXIT.compliant;
}

async function scan(options: ScanOptions, io: CliIo): Promise<number> {
  const policy = await loadPolicyFile(options.policy);
  const clients = createFleetClients({
    region: options.region,
    endpoint: options.endpointUrl,
    profile: options.profile,
  });
  const fleet = await readFleet(clients);
  const findings = evaluate(fleet, policy, new Date());
  const format = options.format ?? (io.isTTY && options.output === undefined ? 'table' : 'json');
  const text = renderReport({ summary: summarize(findings), findings }, format);
  if (options.output === undefined) io.stdout(text);
  else await writeFile(options.output, text);
  return exitCodeFor(findings);
}

function program(io: CliIo, exit: { code: number }): Command {
  const root = new Command('guardrails')
    .description('Keep ElastiCache (Valkey / Redis OSS) fleets inside a durability and encryption policy.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  root
    .command('scan')
    .description('Evaluate every replication group and serverless cache against the policy.')
    .option('--policy <file>', 'policy file (YAML)', DEFAULT_POLICY_PATH)
    .option('--region <region>', 'AWS region (default: from the environment)')
    .option('--profile <name>', 'AWS shared-config profile')
    .option('--endpoint-url <url>', 'ElastiCache and tagging endpoint, e.g. the local sandbox')
    .addOption(
      new Option('--format <format>', 'output format (default: table on a terminal, else json)').choices(
        FORMATS,
      ),
    )
    .option('--output <file>', 'write the report to a file instead of stdout')
    .action(async (options: ScanOptions) => {
      exit.code = await scan(options, io);
    });
  return root;
}

/**
 * Run the CLI with the given arguments (without `node` and the script) and return the exit code.
 * Errors become one line on stderr; `--debug` adds the stack.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), defaultIo());
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const exit = { code: EXIT.compliant as number };
  const debug = args.includes('--debug');
  try {
    await program(io, exit).parseAsync(
      args.filter((arg) => arg !== '--debug'),
      { from: 'user' },
    );
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      return shown || error.exitCode === 0 ? EXIT.compliant : EXIT.usage;
    }
    const code = error instanceof AwsCallError || isSdkError(error) ? EXIT.aws : EXIT.usage;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`guardrails: ${message}\n`);
    if (debug && error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
    return code;
  }
}

function isSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

export function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2), defaultIo());
}
