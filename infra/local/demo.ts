/**
 * `npm start [-- --keep]`: the whole system against the local sandbox, narrated in the chapters
 * below (one file each in infra/local/demo/): the scheduled durability scan (report, then
 * enforce), the fleet's readiness plan and one staged upgrade through its real ASL file, a
 * CloudTrail event and its reaction, an encryption drift and its alert, an online migration
 * through the real ASL file with its pre-migration snapshot, what was captured, and the
 * organisation scan. Everything goes through the real SDK over HTTP to the ElastiCache emulator
 * and dynalite; time in the emulator jumps instead of passing.
 */
import { parseArgs } from 'node:util';
import { reportScan } from './demo/01-report-scan.js';
import { enforceScan } from './demo/02-enforce-scan.js';
import { readinessPlan } from './demo/03-readiness-plan.js';
import { stagedUpgrade } from './demo/04-staged-upgrade.js';
import { cloudTrailReaction } from './demo/05-cloudtrail-reaction.js';
import { encryptionDrift } from './demo/06-encryption-drift.js';
import { onlineMigration } from './demo/07-online-migration.js';
import { captured } from './demo/08-captured.js';
import { organisationScan } from './demo/09-organisation-scan.js';
import { narration } from './demo/narration.js';
import { CAPTURE_DIR, type Demo, REGION, startDemoSandbox } from './demo/sandbox.js';
import { STATE_TABLE } from './dynamo.js';
import { sandboxEnvironment } from './environment.js';

/** The chapters, in the order they are told (each one's number is its place here). */
const CHAPTERS: readonly ((demo: Demo) => Promise<void>)[] = [
  reportScan,
  enforceScan,
  readinessPlan,
  stagedUpgrade,
  cloudTrailReaction,
  encryptionDrift,
  onlineMigration,
  captured,
  organisationScan,
];

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
const sandbox = await startDemoSandbox();
const { emulator, dynamo } = sandbox;

console.log(`elasticache-guardrails sandbox demo
ElastiCache emulator on ${emulator.endpoint} (${emulator.model.groups.size} replication groups, ${emulator.model.serverless.size} serverless caches),
DynamoDB (dynalite) on ${dynamo.endpoint}. Alerts and events are captured in ${CAPTURE_DIR}/.
Lines starting with $ show each step again while the sandbox is up (\`npm start -- --keep\` prints
the environment they need); the demo's enforce policy is ${sandbox.policyFile}.`);

const demo: Demo = { ...sandbox, ...narration() };
for (const chapter of CHAPTERS) await chapter(demo);

if (values.keep) {
  sandbox.clock.resume();
  console.log(`\nThe sandbox keeps running, its clock now passing in real time (Ctrl-C stops it):
${sandboxEnvironment({ elasticache: emulator.endpoint, dynamodb: dynamo.endpoint, region: REGION, stateTable: STATE_TABLE })}

  npm run guardrails -- scan --format table`);
  const stop = async () => {
    await sandbox.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  await sandbox.stop();
  console.log(
    '\nDone. `npm start -- --keep` leaves the sandbox up; `npm run sandbox -- --fleet 1000` starts a bigger one.',
  );
}
