/** Chapter 2 of `npm start`: the same scan in enforce mode, snapshot first, then the change. */
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { DURATIONS } from '../emulator/model.js';
import { countByRule } from './narration.js';
import type { Demo } from './sandbox.js';

/** Three enforce runs, the emulator's clock advanced between them, then the state they leave. */
export async function enforceScan(demo: Demo): Promise<void> {
  demo.say(
    'The same scan in enforce mode (prod-durability: mode enforce, DRY_RUN=false): snapshot first, then the change',
  );
  for (const [label, advanceMs] of [
    ['run 1', DURATIONS.snapshot],
    ['run 2 (snapshots available)', DURATIONS.durabilityChange],
    ['run 3 (changes applied)', 0],
  ] as const) {
    const report = await scanDurability(demo.durabilityDeps('demo-scan'), {
      policy: demo.policy,
      dryRun: false,
    });
    demo.line(
      `${label.padEnd(28)} actions (${countByRule(
        report.findings.filter((finding) => finding.action !== null),
        (finding) => finding.action,
      )}); ${report.events} events`,
    );
    demo.clock.advance(advanceMs);
  }
  const after = await scanDurability(demo.durabilityDeps('demo-scan'), {
    policy: demo.policy,
    dryRun: false,
  });
  demo.line(
    `now (${countByRule(after.findings, (finding) => finding.status)}); the job changes Durability in place, and here no upgrade workflow is deployed for it, so the violations left need online steps first (needs-staged-upgrade)`,
  );
  demo.reproduce(['scan', '--policy', demo.policyFile, '--rule', 'prod-durability']);
}
