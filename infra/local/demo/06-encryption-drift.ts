/** Chapter 6 of `npm start`: a baseline drift scan, then a group loses its at-rest encryption and is alerted. */
import { scanEncryptionDrift } from '../../../shared/jobs/encryption-drift.js';
import { countBy } from './narration.js';
import type { Demo } from './sandbox.js';

/** Two drift scans around the change; prints the alerts by rule and the SNS subjects sent. */
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
  demo.reproduce(['drift', '--endpoint-url', emulator.endpoint, '--policy', demo.policyFile]);
}
