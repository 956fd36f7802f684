/**
 * Chapter 9 of `npm start`, the organisation scan: one deployment scans every account and region of a
 * sandbox organisation (the central account and four members, two regions each) through
 * infra/org-scan.asl.yaml, the definition the deployment runs (runOrgScan), with one member's
 * role denied and one member's region disabled. Each target's findings go to its own account's
 * Security Hub, and a second run sends nothing new. It has an emulator and a state table of its
 * own (organisationSandbox, also what its reproduce line runs against): the other chapters'
 * state is not touched.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_POLICY_PATH } from '../../../cli/options.js';
import { FINDING_STATUSES } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { Policy } from '../../../shared/domain/policy/schema.js';
import { targetName, targetsSchema } from '../../../shared/domain/targets.js';
import { startDynamo } from '../dynamo.js';
import { CENTRAL_ACCOUNT, memberAccounts, SANDBOX_REGIONS } from '../emulator/accounts.js';
import { seedFleet } from '../emulator/fleet.js';
import { type Emulator, startEmulator } from '../emulator/server.js';
import { type OrgScanRun, runOrgScan } from '../org-scan-workflow.js';
import type { Narration } from './narration.js';

const MEMBERS = memberAccounts(4);
const ACCOUNTS = [CENTRAL_ACCOUNT, ...MEMBERS];
/** The deployment's own account and region: scanned with its own role. */
const REGIONS = SANDBOX_REGIONS.slice(0, 2);
const [DENIED = '', DISABLED = ''] = MEMBERS.slice(1);
const DISABLED_REGION = REGIONS[1] ?? '';
/** A sandbox value, shown in the commands below; a deployment's external id is a secret. */
const EXTERNAL_ID = 'demo-external-id';
const ACCESS = {
  externalId: EXTERNAL_ID,
  deny: [DENIED],
  disabledRegions: [{ account: DISABLED, region: DISABLED_REGION }],
};
/**
 * The fleets `npm run sandbox -- --accounts 5 --regions 2 --fleet 3` seeds (infra/local/main.ts:
 * seed 42 + the pair's index, a tenth as many serverless caches).
 */
const GROUPS = 3;
const SANDBOX_SEED = 42;

/** The default policy, its targets the organisation in both regions. */
function organisationPolicy(): Policy {
  const policy = parsePolicy(readFileSync(DEFAULT_POLICY_PATH, 'utf8'), DEFAULT_POLICY_PATH);
  const targets = targetsSchema.parse({ organization: {}, regions: REGIONS });
  return { ...policy, settings: { ...policy.settings, targets } };
}

/**
 * The sandbox organisation: its emulator (the denied role and the disabled region set) and a
 * state table of its own; what `npm start -- --after 9 …` runs its command against.
 */
export async function organisationSandbox() {
  const emulator = await startEmulator({ targets: { accounts: ACCOUNTS, regions: REGIONS }, access: ACCESS });
  emulator.clock.freeze(Date.parse('2026-11-25T09:00:00Z'));
  emulator.accounts.pairs().forEach(({ model }, index) => {
    seedFleet(model, emulator.clock, {
      groups: GROUPS,
      serverless: Math.ceil(GROUPS / 10),
      seed: SANDBOX_SEED + index,
    });
  });
  return { emulator, dynamo: await startDynamo() };
}

const sum = (counts: Iterable<number>) => [...counts].reduce((total, count) => total + count, 0);
const cell = (value: number | string, width: number) => String(value).padStart(width);

/** ASFF findings each target's Security Hub accepted since the `from`th import call. */
function receivedByTarget(emulator: Emulator, from: number): Map<string, number> {
  const received = new Map<string, number>();
  for (const call of emulator.securityHub.imports.slice(from)) {
    const name = `${call.account}/${call.region}`;
    received.set(name, (received.get(name) ?? 0) + call.accepted.length);
  }
  return received;
}

/** One row per target: findings by status, and the ASFF findings its own Security Hub took. */
function showTable(demo: Narration, run: OrgScanRun, received: Map<string, number>) {
  const statuses = FINDING_STATUSES.map((status) => cell(status, 9)).join(' ');
  demo.line(`${'target'.padEnd(23)}${statuses} ${cell('Security Hub', 13)}`);
  for (const target of ACCOUNTS.flatMap((account) => REGIONS.map((region) => ({ account, region })))) {
    const name = targetName(target);
    const findings = run.runs.get(name)?.result.findings ?? {};
    const counts = FINDING_STATUSES.map((status) => cell(findings[status] ?? 0, 9)).join(' ');
    demo.line(`${name.padEnd(23)}${counts} ${cell(received.get(name) ?? 0, 13)}`);
  }
}

/** The failed targets, one line each: the error finding's code and the cause before the failed call's own message. */
function showFailures(demo: Narration, run: OrgScanRun) {
  for (const [name, { result }] of [...run.runs].sort(([a], [b]) => a.localeCompare(b))) {
    if (result.error === undefined) continue;
    demo.line(`  failed ${name}: ${result.error.observed}, ${result.error.reason.split(': ')[0]}`);
  }
}

/** How the deployment reached the members: the roles it assumed with the external id, and the refusals. */
function showAccess(demo: Narration, run: OrgScanRun) {
  const denied = [...run.runs]
    .filter(([, { result }]) => result.error?.observed === 'AccessDenied')
    .map(([name]) => name.split('/')[0]);
  demo.line(
    `${CENTRAL_ACCOUNT} is scanned with the deployment's own role; each member through its elasticache-guardrails-member role, assumed with the external id${denied.length === 0 ? '' : ` (refused in ${[...new Set(denied)].join(', ')})`}`,
  );
}

/**
 * The chapter "One deployment, many accounts and regions": two organisation scans of the sandbox
 * organisation, printed (targets, failures with their causes, findings by target, how the members
 * were reached, Security Hub imports), and the one command that does it again from a shell.
 *
 * @example
 * await organisationScan(narration());
 */
export async function organisationScan(demo: Narration): Promise<void> {
  demo.say('One deployment, many accounts and regions: the organisation scan of infra/org-scan.asl.yaml');
  const { emulator, dynamo } = await organisationSandbox();
  try {
    demo.line(
      `the organisation: ${CENTRAL_ACCOUNT} (central) and ${MEMBERS.length} members, each in ${REGIONS.join(' and ')} with ${GROUPS} groups and a serverless cache; ${DENIED}'s role denied, ${DISABLED_REGION} not enabled in ${DISABLED}`,
    );
    const scan = () =>
      runOrgScan({
        endpoint: emulator.endpoint,
        dynamo: dynamo.endpoint,
        policy: organisationPolicy(),
        home: { account: CENTRAL_ACCOUNT, region: REGIONS[0] ?? '' },
        access: { externalId: EXTERNAL_ID },
        now: () => new Date(emulator.clock.now()),
        securityHub: true,
      });
    const first = await scan();
    const { summary } = first;
    demo.line(`${summary.targets} targets: ${summary.complete} complete, ${summary.failed} failed`);
    showFailures(demo, first);
    const received = receivedByTarget(emulator, 0);
    showTable(demo, first, received);
    showAccess(demo, first);
    demo.line(
      `Security Hub: ${sum(received.values())} ASFF findings, each imported in its own account and region`,
    );
    const calls = emulator.securityHub.imports.length;
    const second = await scan();
    const unchanged = sum(
      [...second.runs.values()].map(({ result }) => {
        const exported = result.securityHub;
        return exported !== undefined && 'unchanged' in exported ? exported.unchanged : 0;
      }),
    );
    demo.line(
      `second run, nothing changed: Security Hub received ${sum(receivedByTarget(emulator, calls).values())} findings in ${emulator.securityHub.imports.length - calls} calls (${unchanged} unchanged; only a change of state is imported)`,
    );
    demo.reproduce([
      'scan',
      '--org',
      '--regions',
      REGIONS.join(','),
      '--external-id',
      EXTERNAL_ID,
      '--format',
      'table',
    ]);
  } finally {
    await Promise.all([emulator.close(), dynamo.close()]);
  }
}
