/** Chapter 8 of `npm start`: what the sandbox captured: the HTML report, the events and alerts. */
import { join } from 'node:path';
import { runCli } from '../../../cli/main.js';
import { countBy } from './narration.js';
import { CAPTURE_DIR, type Demo } from './sandbox.js';

/** Writes the fleet's HTML report and counts what the other chapters sent. */
export async function captured(demo: Demo): Promise<void> {
  const { emulator, line } = demo;
  demo.say('What was captured');
  const report = join(CAPTURE_DIR, 'report.html');
  const code = await runCli(['scan', '--format', 'html', '--output', report], demo.io);
  if (code > 1) throw new Error(`guardrails scan --output ${report} exited ${code}`);
  line(`HTML report of the fleet now: ${report} (guardrails scan --format html)`);
  line(
    `${emulator.sinks.events.length} EventBridge events in ${CAPTURE_DIR}/events.jsonl: ${countBy(emulator.sinks.events.map((event) => event.detailType))}`,
  );
  line(
    '  (what the app puts on the default bus, source elasticache-guardrails, one line each as a rule target receives it; README "Events")',
  );
  line(`${emulator.sinks.messages.length} SNS alerts in ${CAPTURE_DIR}/sns.jsonl`);
}
