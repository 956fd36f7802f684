/** The sandbox of the CLI tests over member accounts: seeded fleets in each account and region, a policy file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedFleet } from '../../../infra/local/emulator/fleet.js';
import { type Stack, startStack } from '../harness.js';

/** The policy of the scans over members: groups durable to async at least, groups and caches encrypted at rest. */
export const MEMBER_SCAN_POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group] }
    durability: { minimum: async }
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

/**
 * Starts the sandbox serving `accounts` x `regions`, each pair's fleet seeded (`groups` groups and one serverless
 * cache, seed `seed` + the pair's index), its clock at the wall clock's (member credentials expire by it), and
 * points the process's environment at it.
 */
export async function startMemberFleets(options: {
  accounts: string[];
  regions: string[];
  groups: number;
  seed: number;
  externalId?: string;
}): Promise<Stack> {
  const { accounts, regions, groups, seed, externalId } = options;
  const stack = await startStack({
    targets: { accounts, regions },
    ...(externalId === undefined ? {} : { access: { externalId } }),
  });
  stack.emulator.clock.freeze(Date.now());
  stack.emulator.accounts.pairs().forEach(({ model }, index) => {
    seedFleet(model, stack.emulator.clock, { groups, serverless: 1, seed: seed + index });
  });
  Object.assign(process.env, stack.env);
  return stack;
}

/** Writes `text` as policy.yaml in `dir` (a new temporary directory by default): its path. */
export function writePolicy(text: string, dir = mkdtempSync(join(tmpdir(), 'guardrails-members-'))): string {
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, text);
  return path;
}
