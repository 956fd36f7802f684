/**
 * The story `npm start` tells: every chapter on the shared sandbox (the state each one leaves
 * saved for its `$` line, saved-state.ts), then the sandbox stopped or (`--keep`) left up with
 * the environment that reaches it.
 */
import { STATE_TABLE } from '../dynamo.js';
import { sandboxEnvironment } from '../environment.js';
import type { Chapter } from './chapters.js';
import { narration } from './narration.js';
import { CAPTURE_DIR, type Demo, REGION, startDemoSandbox } from './sandbox.js';
import { forgetSavedStates, saveState } from './saved-state.js';

/**
 * Tells `chapters` in order; with `keep`, leaves the sandbox running until SIGINT or SIGTERM.
 *
 * @example
 * await tellTheStory(CHAPTERS, false);
 */
export async function tellTheStory(chapters: readonly Chapter[], keep: boolean): Promise<void> {
  const sandbox = await startDemoSandbox();
  const { emulator, dynamo } = sandbox;
  console.log(`elasticache-guardrails sandbox demo
ElastiCache emulator on ${emulator.endpoint} (${emulator.model.groups.size} replication groups, ${emulator.model.serverless.size} serverless caches),
DynamoDB (dynalite) on ${dynamo.endpoint}. Alerts and events are captured in ${CAPTURE_DIR}/.
A line starting with $ shows its step again, on its own, after the demo has ended: it rebuilds the sandbox
as that chapter left it, runs the command against it and stops it. The demo's enforce policy is ${sandbox.policyFile}.`);

  const demo: Demo = { ...sandbox, ...narration() };
  forgetSavedStates();
  for (const [index, chapter] of chapters.entries()) {
    await chapter.tell(demo);
    // What `npm start -- --after N …` loads instead of telling chapters 1..N again.
    if (chapter.sandbox === undefined) await saveState(sandbox, index + 1);
  }

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
