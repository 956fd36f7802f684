import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeReplicationGroupsCommand, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import type { GroupState } from '../../../infra/local/emulator/model.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { runCaptured } from '../../cli-io.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

/** The fields an AWS CLI whose model predates the 2026-06-02 change drops from its output. */
const NEW_FIELDS = ['Durability', 'EffectiveDurability', 'StorageEncryptionType'] as const;

let stack: Stack;
let dir: string;
let policyPath: string;

const cli = (args: string[]) => runCaptured(args);
const live = () => ['--endpoint-url', stack.emulator.endpoint, '--policy', policyPath, '--format', 'json'];
const unknownCount = (out: string) =>
  (JSON.parse(out) as { findings: { status: string }[] }).findings.filter(
    (finding) => finding.status === 'unknown',
  ).length;

/** Replace the sandbox fleet: each group is prod and encrypted unless overridden. */
function fleet(groups: GroupState[]): void {
  stack.emulator.model.groups.clear();
  stack.emulator.model.serverless.clear();
  for (const group of groups) stack.emulator.model.putGroup(group);
}
const modern = (id: string) => groupState(id, { durability: 'sync', effectiveDurability: 'sync' });
const legacy = (id: string) => groupState(id, { legacyApi: true });

/**
 * `--input` and `--tags` of what `aws elasticache describe-replication-groups` and
 * `aws resourcegroupstaggingapi get-resources` printed, less the fields an old CLI drops.
 */
async function savedDescribe(file: string, drop: readonly string[]): Promise<string[]> {
  const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });
  const { ReplicationGroups = [] } = await clients.elasticache.send(new DescribeReplicationGroupsCommand({}));
  const saved = ReplicationGroups.map((group: ReplicationGroup) =>
    Object.fromEntries(Object.entries(group).filter(([key]) => !drop.includes(key))),
  );
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ ReplicationGroups: saved }));
  const mappings = [...stack.emulator.model.groups.values()].map((group) => ({
    ResourceARN: stack.emulator.model.arn('replicationgroup', group.id),
    Tags: [...group.tags].map(([Key, Value]) => ({ Key, Value })),
  }));
  const tags = join(dir, 'tags.json');
  writeFileSync(tags, JSON.stringify({ ResourceTagMappingList: mappings }));
  return ['--input', path, '--tags', tags];
}

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  dir = mkdtempSync(join(tmpdir(), 'guardrails-unknown-'));
  policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterAll(async () => {
  await stack.close();
});

describe('Command: scan (offline input)', () => {
  beforeEach(() => {
    fleet([modern('orders'), modern('payments'), modern('sessions')]);
  });

  it('exits 4 and names the missing fields when the input predates the 2026-06-02 model', async () => {
    // Prepare
    const input = await savedDescribe('old-cli.json', NEW_FIELDS);

    // Act
    const { code, out, err } = await cli(['scan', '--policy', policyPath, ...input, '--format', 'json']);

    // Assess
    expect(code).toBe(EXIT.nothingEvaluated);
    expect(unknownCount(out)).toBe(6);
    for (const field of NEW_FIELDS) expect(err).toContain(field);
    expect(err).toMatch(/6 of 6 findings are unknown/);
    expect(err).toMatch(/AWS CLI.*released after 2026-06-02/);
  });

  it('evaluates input that carries the fields like the online scan, without a warning', async () => {
    // Prepare
    const input = await savedDescribe('new-cli.json', []);

    // Act
    const offline = await cli(['scan', '--policy', policyPath, ...input, '--format', 'json']);
    const online = await cli(['scan', ...live()]);

    // Assess
    expect(offline.code).toBe(EXIT.compliant);
    expect(offline.err).toBe('');
    expect(JSON.parse(offline.out).findings).toEqual(JSON.parse(online.out).findings);
  });
});

describe('Command: scan (online)', () => {
  it('exits 4 and blames the endpoint when every group answers without the fields', async () => {
    // Prepare
    fleet([legacy('orders'), legacy('payments')]);

    // Act
    const { code, out, err } = await cli(['scan', ...live()]);

    // Assess
    expect(code).toBe(EXIT.nothingEvaluated);
    expect(unknownCount(out)).toBe(4);
    expect(err).toMatch(/4 of 4 findings are unknown/);
    expect(err).toMatch(/endpoint's answers lack/);
    for (const field of NEW_FIELDS) expect(err).toContain(field);
  });

  it('summarises a partial share of unknowns in one line and keeps the exit code', async () => {
    // Prepare: 3 legacy groups (6 unknown findings) of 5 (10 findings): 60 %.
    fleet([legacy('a'), legacy('b'), legacy('c'), modern('d'), modern('e')]);

    // Act
    const { code, err } = await cli(['scan', ...live()]);

    // Assess
    expect(code).toBe(EXIT.compliant);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^guardrails: 6 of 10 findings are unknown: the answers lack .*EffectiveDurability/);
  });

  it('exits 4 when the unknown share reaches --max-unknown', async () => {
    // Prepare: 60 % unknown, as above.
    fleet([legacy('a'), legacy('b'), legacy('c'), modern('d'), modern('e')]);

    // Act
    const { code, err } = await cli(['scan', ...live(), '--max-unknown', '50']);

    // Assess
    expect(code).toBe(EXIT.nothingEvaluated);
    expect(err).toMatch(/6 of 10 findings are unknown/);
  });

  it('exits 1 on a violation even when the unknown share is over the limit', async () => {
    // Prepare: 8 unknown findings and 1 violation (an unencrypted dev group).
    fleet([
      legacy('a'),
      legacy('b'),
      legacy('c'),
      legacy('d'),
      groupState('sessions', {
        encrypted: false,
        atRestEncryptionEnabled: false,
        tags: new Map([['env', 'dev']]),
      }),
    ]);

    // Act
    const { code, err } = await cli(['scan', ...live(), '--max-unknown', '80']);

    // Assess
    expect(code).toBe(EXIT.violations);
    expect(err).toMatch(/8 of 9 findings are unknown/);
  });

  it.each([['-1'], ['101'], ['half']])('refuses --max-unknown %s with exit 2', async (value) => {
    const { code, err } = await cli(['scan', ...live(), '--max-unknown', value]);

    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/--max-unknown/);
  });
});

describe('Command: scan --help', () => {
  it('lists exit code 4 and --max-unknown', async () => {
    const { code, out } = await cli(['scan', '--help']);

    expect(code).toBe(EXIT.compliant);
    expect(out).toContain('--max-unknown <percent>');
    expect(out).toMatch(/4 nothing evaluated/);
  });
});
