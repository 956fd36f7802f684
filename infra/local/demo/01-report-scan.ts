/** Chapter 1 of `npm start`: the scheduled scan in report mode, through the CLI and the default policy. */
import { runCli } from '../../../cli/main.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { countBy, showFinding } from './narration.js';
import type { Demo } from './sandbox.js';

/** `guardrails scan --format json`: the findings' counts by rule and status, and the first violations. */
export async function reportScan(demo: Demo): Promise<void> {
  demo.say('The scheduled scan in report mode, run with the CLI and the default policy: guardrails scan');
  let json = '';
  const code = await runCli(['scan', '--format', 'json'], {
    ...demo.io,
    stdout: (text) => (json += text),
  });
  const reported = (JSON.parse(json) as { findings: Finding[] }).findings;
  demo.line(`${reported.length} findings; exit code ${code} (1 = violations found)`);
  for (const rule of [...new Set(reported.map((finding) => finding.rule))].sort())
    demo.line(
      `  ${rule}: ${countBy(reported.filter((finding) => finding.rule === rule).map((finding) => finding.status))}`,
    );
  for (const finding of reported.filter((item) => item.status === 'violation').slice(0, 4))
    showFinding(demo, finding);
  const unknown = new Set(
    reported.filter((item) => item.status === 'unknown').map((item) => item.resourceId),
  );
  demo.line(
    `unknown: ${unknown.size} resources answer without Durability, EffectiveDurability and StorageEncryptionType, as an API or engine older than the 2026-06-02 model change does, so they cannot be judged`,
  );
  demo.line('report mode changes nothing: each violation shows the plan that would fix it');
  demo.line(
    'every step needs an approval ("staged: N steps, N need approval"): the default policy lets no staged step run',
  );
  demo.line(
    'unattended (durability.stagedChanges is empty); the enforce policy of chapters 2 and 3 allows them',
  );
  demo.reproduce(['scan']);
}
