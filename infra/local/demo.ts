/**
 * `npm start [-- --keep]`: the local sandbox end to end, narrated. Starts the ElastiCache
 * emulator with a seeded fleet, scans it with the real CLI (SDK over HTTP), creates a group
 * and raises its durability the way AWS applies it, and scans again. `--keep` leaves it up.
 */
import { parseArgs } from 'node:util';
import {
  CreateReplicationGroupCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { type CliIo, defaultIo, runCli } from '../../shared/cli/main.js';
import type { Finding } from '../../shared/domain/finding.js';
import { Clock } from './emulator/clock.js';
import { seedFleet } from './emulator/fleet.js';
import { DURATIONS } from './emulator/model.js';
import { startEmulator } from './emulator/server.js';

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
const say = (text: string) => console.log(`\n== ${text}`);

process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';

const clock = new Clock();
clock.freeze();
const emulator = await startEmulator({ clock });
seedFleet(emulator.model, clock, { groups: 40, serverless: 4, seed: 7 });
const client = new ElastiCacheClient({ endpoint: emulator.endpoint });

/** Run `guardrails scan --format json` against the sandbox and return its findings and exit code. */
async function scan(): Promise<{ code: number; findings: Finding[] }> {
  let json = '';
  const io: CliIo = { ...defaultIo(), stdout: (text) => (json += text) };
  const code = await runCli(['scan', '--endpoint-url', emulator.endpoint, '--format', 'json'], io);
  return { code, findings: (JSON.parse(json) as { findings: Finding[] }).findings };
}

function show(findings: Finding[]): void {
  for (const finding of findings) {
    const notes = finding.notes === undefined ? '' : `\n      note: ${finding.notes.join('; ')}`;
    console.log(
      `  ${finding.status.padEnd(9)} ${finding.resourceId.padEnd(16)} ${finding.rule.padEnd(18)} expected ${finding.expected}, observed ${finding.observed}${notes}`,
    );
  }
}

say(
  `ElastiCache sandbox on ${emulator.endpoint}: ${emulator.model.groups.size} replication groups, ${emulator.model.serverless.size} serverless caches`,
);

say('Scheduled scan, report mode, default policy (infra/policy.default.yaml): guardrails scan');
const first = await scan();
const count = (status: string) => first.findings.filter((finding) => finding.status === status).length;
console.log(
  `${first.findings.length} findings: ${count('compliant')} compliant, ${count('violation')} violations, ${count('unknown')} unknown (API without the new fields), ${count('exempt')} exempt; exit code ${first.code}`,
);
console.log('First violations:');
show(first.findings.filter((finding) => finding.status === 'violation').slice(0, 6));

const id = 'orders-durable';
say(
  `A team creates ${id}: Valkey 9.0, cluster mode, Multi-AZ, TLS, r7g, AtRestEncryptionEnabled=false, tag env=prod`,
);
await client.send(
  new CreateReplicationGroupCommand({
    ReplicationGroupId: id,
    ReplicationGroupDescription: 'orders',
    Engine: 'valkey',
    EngineVersion: '9.0',
    ClusterMode: 'enabled',
    NumNodeGroups: 2,
    ReplicasPerNodeGroup: 1,
    MultiAZEnabled: true,
    TransitEncryptionEnabled: true,
    AtRestEncryptionEnabled: false,
    CacheNodeType: 'cache.r7g.large',
    Tags: [{ Key: 'env', Value: 'prod' }],
  }),
);
clock.advance(DURATIONS.create);
show((await scan()).findings.filter((finding) => finding.resourceId === id));

say(`Durability is raised on ${id}: ModifyReplicationGroup(Durability=sync), a standalone change`);
const answer = await client.send(
  new ModifyReplicationGroupCommand({ ReplicationGroupId: id, Durability: 'sync', ApplyImmediately: true }),
);
console.log(`  status ${answer.ReplicationGroup?.Status} while it applies`);
clock.advance(DURATIONS.durabilityChange);
show((await scan()).findings.filter((finding) => finding.resourceId === id));
console.log(
  '  Turning durability on also encrypted the data at rest, although AtRestEncryptionEnabled still reads false.',
);

const scanCalls = emulator.faults.log.filter(
  (entry) => entry.action.startsWith('Describe') || entry.action === 'GetResources',
);
say(
  `Each scan took ${scanCalls.length / 3} API calls: describe pages plus bulk tags (GetResources), none per resource`,
);
if (values.keep) {
  console.log(`\nSandbox left running on ${emulator.endpoint}:
  export AWS_ENDPOINT_URL=${emulator.endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox
  npm run guardrails -- scan --format table
Ctrl-C stops it.`);
} else {
  await emulator.close();
  console.log(
    '\nDone. `npm start -- --keep` leaves the sandbox up; `npm run sandbox -- --fleet 1000` starts a bigger one.',
  );
}
