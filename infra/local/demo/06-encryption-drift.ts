/** Chapter 6 of `npm start`: a baseline drift scan, then a group loses its at-rest encryption and is alerted. */
import { join } from 'node:path';
import { runCli } from '../../../cli/main.js';
import { scanEncryptionDrift } from '../../../shared/jobs/encryption-drift.js';
import { countBy } from './narration.js';
import { CAPTURE_DIR, type Demo } from './sandbox.js';

/**
 * Two drift scans around the change; prints the alerts by rule and the SNS subjects sent. The
 * fleet before the change is also kept as a report, which `guardrails drift --baseline` compares
 * with to show the drift again.
 */
export async function encryptionDrift(demo: Demo): Promise<void> {
  demo.say('Encryption drift: a baseline scan, then sessions-cache loses its at-rest encryption');
  const { emulator } = demo;
  emulator.model.putGroup(demo.group('sessions-cache', { tags: new Map([['env', 'dev']]) }));
  const driftDeps = {
    clients: demo.clients,
    store: demo.store,
    events: demo.events,
    alerts: demo.alerts,
    logger: demo.logger,
    now: demo.now,
  };
  const baseline = await scanEncryptionDrift(driftDeps, demo.policy);
  const before = join(CAPTURE_DIR, 'before-drift.json');
  const saved = await runCli(
    ['scan', '--policy', demo.policyFile, '--format', 'json', '--output', before],
    demo.io,
  );
  if (saved > 1) throw new Error(`guardrails scan --output ${before} exited ${saved}`);
  demo.line(
    `baseline run: ${baseline.alerts.length} alerts, by rule: ${countBy(baseline.alerts.map((alert) => alert.rule))} (violations known before the first baseline are alerted once)`,
  );
  const cache = emulator.model.groups.get('sessions-cache');
  if (cache !== undefined) cache.encrypted = false;
  const sentBefore = emulator.sinks.messages.length;
  const drift = await scanEncryptionDrift(driftDeps, demo.policy);
  demo.line(
    `next run: ${drift.alerts.length} alert, by rule: ${countBy(drift.alerts.map((alert) => alert.rule))}`,
  );
  for (const message of emulator.sinks.messages.slice(sentBefore)) demo.line(`SNS: ${message.subject}`);
  demo.line(
    `the fleet before the change is saved in ${before} (guardrails scan --format json); drift --baseline compares the fleet with it`,
  );
  demo.reproduce([
    'drift',
    '--policy',
    demo.policyFile,
    '--baseline',
    before,
    '--resource',
    'sessions-cache',
  ]);
}
