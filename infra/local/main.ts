/**
 * `npm run sandbox -- [--port N] [--fleet N] [--serverless N] [--seed N] [--accounts N]
 * [--regions N]`: the local ElastiCache emulator with a seeded fleet in each served account
 * and region, up until Ctrl-C. Prints the endpoint and the environment that points the CLI,
 * the SDK or the AWS CLI at it, and how to reach a member account.
 */
import { parseArgs } from 'node:util';
import { STATE_TABLE, startDynamo } from './dynamo.js';
import { CENTRAL_ACCOUNT, memberAccounts, SANDBOX_REGIONS } from './emulator/accounts.js';
import { seedFleet } from './emulator/fleet.js';
import { localMigration } from './emulator/redis-migration.js';
import { startEmulator } from './emulator/server.js';
import { sandboxEnvironment } from './environment.js';

function wholeNumber(
  name: string,
  value: string | undefined,
  fallback: number,
  min = 0,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    const range = max === Infinity ? `at least ${min}` : `from ${min} to ${max}`;
    console.error(`sandbox: --${name} must be a whole number ${range}, got "${value}"`);
    process.exit(2);
  }
  return number;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    fleet: { type: 'string' },
    serverless: { type: 'string' },
    seed: { type: 'string' },
    accounts: { type: 'string' },
    regions: { type: 'string' },
  },
});
const accountCount = wholeNumber('accounts', values.accounts, 1, 1);
const regions = SANDBOX_REGIONS.slice(
  0,
  wholeNumber('regions', values.regions, 1, 1, SANDBOX_REGIONS.length),
);
const accounts = [CENTRAL_ACCOUNT, ...memberAccounts(accountCount - 1)];
// One pair: the fleet a single-account sandbox always had; many: small fleets, a reasonable total.
const groups = wholeNumber('fleet', values.fleet, accounts.length * regions.length === 1 ? 50 : 10);
const migration = localMigration();
const emulator = await startEmulator({
  port: wholeNumber('port', values.port, 4566),
  targets: { accounts, regions },
  migrationBackend: migration,
  captureDir: '.sandbox',
});
const dynamo = await startDynamo();
const seed = wholeNumber('seed', values.seed, 42);
const serverless = wholeNumber('serverless', values.serverless, Math.ceil(groups / 10));
emulator.accounts.pairs().forEach(({ model }, index) => {
  seedFleet(model, emulator.clock, { groups, serverless, seed: seed + index });
});
const pairs = accounts.length * regions.length;
const where =
  pairs === 1
    ? ''
    : ` in each of ${accounts.length} accounts × ${regions.length} regions (${pairs * groups} groups in all)`;
const members =
  accounts.length === 1
    ? ''
    : `
Accounts: ${accounts.join(' ')} (the first is the central one, the base credentials'); regions: ${regions.join(' ')}.
A member's credentials (the signing region picks its region's fleet):
  aws sts assume-role --role-arn arn:aws:iam::${accounts[1]}:role/elasticache-guardrails-member --role-session-name me
`;
// Every account (each through its role) or, with one account, every region: npm start's last chapter.
const everyTarget =
  pairs === 1
    ? ''
    : `   # ${accounts[0]} in ${regions[0]} only
  npm run sandbox-cli -- scan ${accounts.length > 1 ? '--org ' : ''}--regions all --format table   # every ${accounts.length > 1 ? 'account and ' : ''}region`;

console.log(`ElastiCache sandbox on ${emulator.endpoint} with ${emulator.model.groups.size} replication groups and ${emulator.model.serverless.size} serverless caches${where}.
${members}
It also answers the Resource Groups Tagging API, STS, Organizations, Account ListRegions, SNS Publish,
EventBridge PutEvents and CloudWatch GetMetricData (captured to .sandbox/sns.jsonl and .sandbox/events.jsonl); DynamoDB (dynalite) runs on
${dynamo.endpoint} with the table ${STATE_TABLE}. Online migrations ${migration.real ? 'replicate into real redis-server processes' : 'use a RESP stand-in (install redis-server to move real data)'}.

Point any AWS client at it:
${sandboxEnvironment({ elasticache: emulator.endpoint, dynamodb: dynamo.endpoint, region: emulator.accounts.defaultRegion, stateTable: STATE_TABLE })}

  npm run guardrails -- scan --format table${everyTarget}
  aws elasticache describe-replication-groups --max-items 5

Control: POST ${emulator.endpoint}/_control/{clock,faults,fail-next,accounts,organization,legacy-durability-rule,requests,reset}
Ctrl-C stops it.`);

const stop = async () => {
  migration.close();
  await Promise.all([emulator.close(), dynamo.close()]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
