import { describe, expect, it } from 'vitest';
import { planDurabilityRemediation } from '../../../shared/domain/durability/remediation.js';
import { soakBreaches } from '../../../shared/domain/durability/soak.js';
import { evaluate } from '../../../shared/domain/evaluate.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { Resource } from '../../../shared/domain/resource.js';

const NOW = new Date('2026-11-25T10:00:00Z');

function group(id: string, overrides: Partial<Resource> = {}): Resource {
  return {
    type: 'replication-group',
    id,
    arn: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`,
    engine: 'valkey',
    engineVersion: '9.0',
    status: 'available',
    clusterMode: 'enabled',
    multiAZ: true,
    minReplicasPerShard: 1,
    transitEncryptionEnabled: true,
    cacheNodeType: 'cache.r7g.large',
    effectiveDurability: 'disabled',
    pendingModifications: false,
    tags: {},
    ...overrides,
  };
}

function plan(fleet: Resource[], rule: string, options = { dryRun: false }, maxActions = 10) {
  const policy = parsePolicy(
    `version: 1\nsettings: { maxActionsPerRun: ${maxActions} }\nrules:\n  - name: r\n    ${rule}\n`,
    'p.yaml',
  );
  const findings = evaluate(fleet, policy, NOW);
  return planDurabilityRemediation(findings, new Map(fleet.map((item) => [item.arn, item])), policy, options);
}

describe('Function: planDurabilityRemediation', () => {
  it('plans changes in finding order up to the cap and defers the rest', () => {
    // Prepare
    const fleet = ['a', 'b', 'c', 'd'].map((id) => group(id));

    // Act
    const result = plan(
      fleet,
      'mode: enforce\n    durability: { minimum: async, set: sync }',
      { dryRun: false },
      2,
    );

    // Assess
    expect(result.changes.map((change) => [change.resource.id, change.target])).toEqual([
      ['a', 'sync'],
      ['b', 'sync'],
    ]);
    expect(result.findings.map((finding) => finding.action)).toEqual([null, null, 'deferred', 'deferred']);
    expect(result.findings[2]?.reason).toContain('maxActionsPerRun 2 reached');
  });

  it("carries the rule's soak and its write-latency budget to the change: latency over it is a soak breach", () => {
    const result = plan(
      [group('a')],
      'mode: enforce\n    durability: { minimum: async, set: sync, maxWriteLatencyMs: 2, soak: { window: 30m, onBreach: step-back } }',
    );

    const soak = result.changes[0]?.soak;
    expect(soak).toMatchObject({ windowSeconds: 1800, onBreach: 'step-back', maxWriteLatencyMs: 2 });
    expect(soakBreaches({ writeLatencyMs: 3 }, soak ?? {})).toHaveLength(1);
    expect(soakBreaches({ writeLatencyMs: 1.5 }, soak ?? {})).toEqual([]);
  });

  it('names every guard that does not hold, and plans nothing for that group', () => {
    // Prepare
    const fleet = [group('busy', { status: 'modifying', pendingModifications: true })];

    // Act
    const result = plan(fleet, 'mode: enforce\n    durability: { minimum: sync }');

    // Assess
    expect(result.changes).toEqual([]);
    expect(result.findings[0]?.action).toBe('blocked');
    expect(result.findings[0]?.reason).toContain(
      'status is modifying, not available; PendingModifiedValues holds a change',
    );
  });

  it('plans nothing in report mode or dry-run, and says which', () => {
    // Prepare
    const fleet = [group('a')];

    // Act
    const report = plan(fleet, 'mode: report\n    durability: { minimum: sync }');
    const dry = plan(fleet, 'mode: enforce\n    durability: { minimum: sync }', { dryRun: true });

    // Assess
    expect([report.changes, dry.changes]).toEqual([[], []]);
    expect(report.findings[0]?.reason).toContain('rule r is in report mode');
    expect(dry.findings[0]?.reason).toContain('dry-run is on');
  });

  it('leaves compliant, unknown and exempt findings untouched', () => {
    // Prepare
    const fleet = [
      group('ok', { effectiveDurability: 'sync' }),
      group('legacy', { effectiveDurability: undefined }),
      group('exempt', { tags: { 'guardrails:exempt-until': '2099-01-01' } }),
    ];

    // Act
    const result = plan(fleet, 'mode: enforce\n    durability: { minimum: sync }');

    // Assess
    expect(result.changes).toEqual([]);
    expect(result.findings.map((finding) => [finding.resourceId, finding.status, finding.action])).toEqual([
      ['exempt', 'exempt', null],
      ['legacy', 'unknown', null],
      ['ok', 'compliant', null],
    ]);
  });
});

describe('Function: planDurabilityRemediation, after a soak stepped a group back', () => {
  const soak = { windowSeconds: 1800, lookSeconds: 300, onBreach: 'step-back', unattended: true } as const;
  const policy = parsePolicy(
    `version: 1
rules:
  - name: durable
    mode: enforce
    durability:
      minimum: sync
      soak: { window: 30m, onBreach: step-back, unattended: true }
      stagedChanges: { allow: [enable-tls] }
`,
    'p.yaml',
  );
  const steppedBack = (resource: Resource) => ({
    replicationGroupId: resource.id,
    arn: resource.arn,
    execution: `${resource.id}-soak-20261125100000000`,
    target: 'sync' as const,
    soakInput: soak,
    rule: 'durable',
    soak: { outcome: 'stepped-back' as const, steppedBackAt: '2026-11-25T09:00:00Z', series: [] },
  });

  it('holds the in-place change and the staged upgrade of the groups it stepped back, and plans the others', () => {
    // Prepare: a and b stepped back (b needs TLS first: a staged upgrade), c never soaked.
    const fleet = [
      group('a', { effectiveDurability: 'async' }),
      group('b', { transitEncryptionEnabled: false }),
      group('c', { effectiveDurability: 'async' }),
    ];
    const byArn = new Map(fleet.map((item) => [item.arn, item]));
    const lastSoaks = new Map(fleet.slice(0, 2).map((item) => [item.arn, steppedBack(item)]));
    const findings = evaluate(fleet, policy, NOW);

    // Act
    const held = planDurabilityRemediation(findings, byArn, policy, {
      dryRun: false,
      upgrades: true,
      lastSoaks,
    });
    const free = planDurabilityRemediation(findings, byArn, policy, { dryRun: false, upgrades: true });

    // Assess
    expect(held.changes.map((change) => change.resource.id)).toEqual(['c']);
    expect(held.findings.map((finding) => finding.action)).toEqual(['held', 'held', null]);
    expect(held.findings[1]?.reason).toContain('held: soak b-soak-20261125100000000 stepped b back to async');
    expect(free.changes.map((change) => [change.resource.id, change.kind])).toEqual([
      ['a', 'modify'],
      ['b', 'upgrade'],
      ['c', 'modify'],
    ]);
  });
});
