/**
 * `npm run sandbox -- [--port N] [--fleet N] [--serverless N] [--seed N]`: the local
 * ElastiCache emulator with a seeded fleet, up until Ctrl-C. Prints the endpoint and the
 * environment that points the CLI, the SDK or the AWS CLI at it.
 */
import { parseArgs } from 'node:util';
import { STATE_TABLE, startDynamo } from './dynamo.js';
import { seedFleet } from './emulator/fleet.js';
import { localMigration } from './emulator/redis-migration.js';
import { startEmulator } from './emulator/server.js';
import { sandboxEnvironment } from './environment.js';

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    console.error(`sandbox: --${name} must be a whole number, got "${value}"`);
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
  },
});
const groups = wholeNumber('fleet', values.fleet, 50);
const migration = localMigration();
const emulator = await startEmulator({
  port: wholeNumber('port', values.port, 4566),
  migrationBackend: migration,
  captureDir: '.sandbox',
});
const dynamo = await startDynamo();
seedFleet(emulator.model, emulator.clock, {
  groups,
  serverless: wholeNumber('serverless', values.serverless, Math.ceil(groups / 10)),
  seed: wholeNumber('seed', values.seed, 42),
});

console.log(`ElastiCache sandbox on ${emulator.endpoint} with ${emulator.model.groups.size} replication groups and ${emulator.model.serverless.size} serverless caches.

It also answers the Resource Groups Tagging API, SNS Publish, EventBridge PutEvents and CloudWatch
GetMetricData (captured to .sandbox/sns.jsonl and .sandbox/events.jsonl); DynamoDB (dynalite) runs on
${dynamo.endpoint} with the table ${STATE_TABLE}. Online migrations ${migration.real ? 'replicate into real redis-server processes' : 'use a RESP stand-in (install redis-server to move real data)'}.

Point any AWS client at it:
${sandboxEnvironment({ elasticache: emulator.endpoint, dynamodb: dynamo.endpoint, region: 'us-east-1', stateTable: STATE_TABLE })}

  npm run guardrails -- scan --format table
  aws elasticache describe-replication-groups --max-items 5

Control: POST ${emulator.endpoint}/_control/{clock,faults,fail-next,legacy-durability-rule,requests,reset}
Ctrl-C stops it.`);

const stop = async () => {
  migration.close();
  await Promise.all([emulator.close(), dynamo.close()]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
