/**
 * `npm start [-- --keep]`: the whole system against the local sandbox, narrated in the chapters
 * below (one file each in infra/local/demo/): the scheduled durability scan (report, then
 * enforce), the fleet's readiness plan and one staged upgrade through its real ASL file, a
 * CloudTrail event and its reaction, an encryption drift and its alert, an online migration
 * through the real ASL file with its pre-migration snapshot, what was captured, and the
 * organisation scan. Everything goes through the real SDK over HTTP to the ElastiCache emulator
 * and dynalite; time in the emulator jumps instead of passing. Each chapter ends with a `$` line:
 * `npm start -- --after N COMMAND…`, which shows its step again on its own (demo/replay.ts).
 * The arguments are read before anything heavy is loaded.
 */
import { CHAPTERS, type DemoOptions, demoArguments } from './demo/chapters.js';

let options: DemoOptions;
try {
  options = demoArguments(process.argv.slice(2));
} catch (error) {
  console.error(`npm start: ${(error as Error).message}`);
  process.exit(2);
}
if ('after' in options) {
  const { replay } = await import('./demo/replay.js');
  process.exitCode = await replay(CHAPTERS, options.after, options.command);
} else {
  const { tellTheStory } = await import('./demo/story.js');
  await tellTheStory(CHAPTERS, options.keep);
}
