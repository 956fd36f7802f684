/**
 * `npm start [-- --keep]`: the whole system against the local sandbox, narrated in the chapters
 * below (one file each in infra/local/demo/): the scheduled durability scan (report, then
 * enforce), the fleet's readiness plan and one staged upgrade through its real ASL file, a
 * CloudTrail event and its reaction, an encryption drift and its alert, an online migration
 * through the real ASL file with its pre-migration snapshot, what was captured, and the
 * organisation scan. Everything goes through the real SDK over HTTP to the ElastiCache emulator
 * and dynalite; time in the emulator jumps instead of passing. Each chapter ends with a `$` line:
 * `npm start -- --after N COMMAND…`, which shows its step again on its own (demo/replay.ts).
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
import { organisationSandbox, organisationScan } from './demo/09-organisation-scan.js';
import { narration } from './demo/narration.js';
import { type Chapter, replay } from './demo/replay.js';
import { CAPTURE_DIR, type Demo, REGION, startDemoSandbox } from './demo/sandbox.js';
import { STATE_TABLE } from './dynamo.js';
import { sandboxEnvironment } from './environment.js';

/** The chapters, in the order they are told (each one's number is its place here). */
const CHAPTERS: readonly Chapter[] = [
  { tell: reportScan },
  { tell: enforceScan },
  { tell: readinessPlan },
  { tell: stagedUpgrade },
  { tell: cloudTrailReaction },
  { tell: encryptionDrift },
  { tell: onlineMigration },
  { tell: captured },
  { tell: organisationScan, sandbox: organisationSandbox },
];

/** `--keep`, or `--after N COMMAND…` (replay.ts); anything else is a usage error (exit 2). */
function demoArguments(args: string[]): { keep: boolean } | { after: number; command: string[] } {
  if (args[0] === '--after') {
    const after = Number(args[1]);
    if (!Number.isInteger(after) || after < 1 || after > CHAPTERS.length || args.length < 3)
      throw new Error(
        `--after takes a chapter from 1 to ${CHAPTERS.length} and the command to run, got "${args.slice(1).join(' ')}"`,
      );
    return { after, command: args.slice(2) };
  }
  return parseArgs({ args, options: { keep: { type: 'boolean', default: false } } }).values;
}

let options: ReturnType<typeof demoArguments>;
try {
  options = demoArguments(process.argv.slice(2));
} catch (error) {
  console.error(`npm start: ${(error as Error).message}`);
  process.exit(2);
}
if ('after' in options) {
  process.exitCode = await replay(CHAPTERS, options.after, options.command);
} else {
  await tellTheStory(options.keep);
}

/** The demo: every chapter, then the sandbox stopped or (`--keep`) left up with its environment. */
async function tellTheStory(keep: boolean) {
  const sandbox = await startDemoSandbox();
  const { emulator, dynamo } = sandbox;
  console.log(`elasticache-guardrails sandbox demo
ElastiCache emulator on ${emulator.endpoint} (${emulator.model.groups.size} replication groups, ${emulator.model.serverless.size} serverless caches),
DynamoDB (dynalite) on ${dynamo.endpoint}. Alerts and events are captured in ${CAPTURE_DIR}/.
A line starting with $ shows its step again, on its own, after the demo has ended: it rebuilds the sandbox
as that chapter left it, runs the command against it and stops it. The demo's enforce policy is ${sandbox.policyFile}.`);

  const demo: Demo = { ...sandbox, ...narration() };
  for (const chapter of CHAPTERS) await chapter.tell(demo);

  if (keep) {
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
}
