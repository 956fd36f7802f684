/**
 * Chapter 9 of `npm start`, the organisation scan: one deployment scans every account and region of a
 * sandbox organisation (the central account and four members, two regions each) through
 * infra/org-scan.asl.yaml, the definition the deployment runs (runOrgScan), with one member's
 * role denied and one member's region disabled. Every account is read with the key STS issued
 * for it, each target's findings go to its own account's Security Hub, and a second run sends
 * nothing new. It has an emulator and a state table of its own: the other chapters' state is
 * not touched.
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
 * seed 42 + the pair's index, a tenth as many serverless caches), so its scan finds the same.
 */
const GROUPS = 3;
const SANDBOX_SEED = 42;
/** The services whose calls read a target's fleet or write its findings: each must carry its account's key. */
const TARGET_SERVICES = new Set(['elasticache', 'tagging', 'cloudwatch', 'securityhub']);

/** The default policy, its targets the organisation in both regions. */
function organisationPolicy(): Policy {
  const policy = parsePolicy(readFileSync(DEFAULT_POLICY_PATH, 'utf8'), DEFAULT_POLICY_PATH);
  const targets = targetsSchema.parse({ organization: {}, regions: REGIONS });
  return { ...policy, settings: { ...policy.settings, targets } };
}

async function organisationSandbox() {
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

/**
 * The requests that read a target's fleet or wrote its findings, by target (`<account>/<region>`);
 * how many were signed with a key STS issued for the target's own account, and the keys used.
 */
function requestsByTarget(emulator: Emulator) {
  const counts = new Map<string, number>();
  const keys = new Map<string, Set<string>>();
  let own = 0;
  let home = 0;
  for (const entry of emulator.faults.log.filter((item) => TARGET_SERVICES.has(item.service))) {
    const name = `${entry.account}/${entry.region}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (entry.account === CENTRAL_ACCOUNT) home += 1;
    if (emulator.accounts.issued(entry.accessKeyId)?.account !== entry.account) continue;
    own += 1;
    keys.set(entry.account, new Set([...(keys.get(entry.account) ?? []), entry.accessKeyId ?? '']));
  }
  return { counts, total: sum(counts.values()), home, own, keys };
}

/** ASFF findings each target's Security Hub accepted since the `from`th import call. */
function receivedByTarget(emulator: Emulator, from: number): Map<string, number> {
  const received = new Map<string, number>();
  for (const call of emulator.securityHub.imports.slice(from)) {
    const name = `${call.account}/${call.region}`;
    received.set(name, (received.get(name) ?? 0) + call.accepted.length);
  }
  return received;
}

/** One row per target: findings by status, requests to it, ASFF findings its Security Hub took. */
function showTable(
  demo: Narration,
  run: OrgScanRun,
  requests: Map<string, number>,
  received: Map<string, number>,
) {
  const statuses = FINDING_STATUSES.map((status) => cell(status, 9)).join(' ');
  demo.line(`${'target'.padEnd(23)}${statuses} ${cell('requests', 9)} ${cell('Security Hub', 13)}`);
  for (const target of ACCOUNTS.flatMap((account) => REGIONS.map((region) => ({ account, region })))) {
    const name = targetName(target);
    const findings = run.runs.get(name)?.result.findings ?? {};
    const counts = FINDING_STATUSES.map((status) => cell(findings[status] ?? 0, 9)).join(' ');
    demo.line(
      `${name.padEnd(23)}${counts} ${cell(requests.get(name) ?? 0, 9)} ${cell(received.get(name) ?? 0, 13)}`,
    );
  }
}

/** The failed targets, one line each: the error finding's code and the cause before the failed call's own message. */
function showFailures(demo: Narration, run: OrgScanRun) {
  for (const [name, { result }] of [...run.runs].sort(([a], [b]) => a.localeCompare(b))) {
    if (result.error === undefined) continue;
    demo.line(`  failed ${name}: ${result.error.observed}, ${result.error.reason.split(': ')[0]}`);
  }
}

/** Who signed what: the requests to the targets, the keys they carried, the AssumeRole calls. */
function showKeys(demo: Narration, emulator: Emulator, requests: ReturnType<typeof requestsByTarget>) {
  const perAccount = [...requests.keys.values()].map((keys) => keys.size);
  demo.line(
    `${requests.own} of ${requests.total - requests.home} requests to the member targets signed with a key STS issued for the target's own account: ${sum(perAccount)} keys for ${perAccount.length} accounts (an account's regions share its key)`,
  );
  demo.line(
    `${requests.home} requests to the deployment's own account (${CENTRAL_ACCOUNT}, every region) with its own role, no AssumeRole`,
  );
  const assumed = emulator.faults.log.filter((entry) => entry.action === 'AssumeRole');
  const refused = assumed.filter((entry) => entry.fault !== undefined);
  const roles = refused.map((entry) => String((entry.params as { RoleArn?: string }).RoleArn).split(':')[4]);
  const withId = assumed.filter(
    (entry) => (entry.params as { ExternalId?: string }).ExternalId === EXTERNAL_ID,
  );
  demo.line(
    `AssumeRole: ${assumed.length} calls, ${withId.length} with the external id; ${assumed.length - refused.length} answered, ${refused.length} refused (${[...new Set(roles)].join(', ') || 'none'})`,
  );
}

/**
 * The chapter "One deployment, many accounts and regions": two organisation scans of the sandbox
 * organisation, printed (targets, failures with their causes, findings by target, the keys the
 * requests were signed with, Security Hub imports), and the commands that do it again from a shell.
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
    const requests = requestsByTarget(emulator);
    const received = receivedByTarget(emulator, 0);
    showTable(demo, first, requests.counts, received);
    showKeys(demo, emulator, requests);
    demo.line(
      `Security Hub: ${sum(received.values())} ASFF findings, each imported in its own account and region with that account's key`,
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
    demo.line(
      `$ npm run sandbox -- --accounts 5 --regions 2 --fleet ${GROUPS}   # the same fleets; export what it prints`,
    );
    demo.line(`$ curl -s $AWS_ENDPOINT_URL/_control/accounts -d '${JSON.stringify(ACCESS)}'`);
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
