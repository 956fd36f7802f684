import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile, PolicyError, parsePolicy } from '../../../../shared/domain/policy/load.js';

const VALID = `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match:
      resourceTypes: [replication-group]
      engines: [valkey]
      tags: { env: prod, owner: "*" }
      ids: ["orders-*"]
      clusterMode: [enabled]
    durability: { minimum: async, set: sync }
    snapshotBeforeChange: true
  - name: kms-only
    match: { resourceTypes: [replication-group, serverless-cache], tags: { data: sensitive } }
    storageEncryption:
      allowed: [sse-kms]
      kmsKeyIds: ["1234abcd-12ab-34cd-56ef-1234567890ab"]
exemptions:
  - { resource: legacy-cache, until: 2027-01-31, reason: decommission planned }
`;

/** Parse and return the error message, or fail the test when the policy is accepted. */
function errorOf(text: string): string {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  throw new Error('policy was accepted');
}

describe('Function: parsePolicy', () => {
  describe('a valid policy', () => {
    it('fills in the documented defaults', () => {
      // Act
      const policy = parsePolicy(VALID, 'policy.yaml');

      // Assess
      expect(policy.settings).toEqual({
        maxActionsPerRun: 10,
        maxAlertsPerRun: 20,
        snapshotRetentionDays: 14,
      });
      expect(policy.rules[0]).toMatchObject({
        name: 'prod-durability',
        mode: 'enforce',
        applyImmediately: true,
        durability: { minimum: 'async', set: 'sync', allowDowngrade: false, maxLagMs: 5000 },
      });
      expect(policy.rules[1]).toMatchObject({
        mode: 'report',
        snapshotBeforeChange: false,
        storageEncryption: { allowed: ['sse-kms'], alertOnAnyChange: true },
      });
      expect(policy.exemptions).toEqual([
        { resource: 'legacy-cache', until: '2027-01-31', reason: 'decommission planned' },
      ]);
    });

    it('defaults set to the minimum', () => {
      const policy = parsePolicy(
        VALID.replace('{ minimum: async, set: sync }', '{ minimum: sync }'),
        'p.yaml',
      );
      expect(policy.rules[0]?.durability?.set).toBe('sync');
    });

    it('accepts the default policy shipped in infra/', async () => {
      const policy = await loadPolicyFile(
        new URL('../../../../infra/policy.default.yaml', import.meta.url).pathname,
      );
      expect(policy.rules.map((rule) => rule.name)).toEqual(['prod-durability', 'encrypted-at-rest']);
    });
  });

  describe('errors name file, line and field', () => {
    it('reports a bad enum value with the valid ones', () => {
      expect(errorOf(VALID.replace('minimum: async', 'minimum: syncc'))).toBe(
        'policy.yaml:11 rules[0].durability.minimum: expected one of disabled|async|sync, got "syncc"',
      );
    });

    it('reports set below minimum', () => {
      expect(errorOf(VALID.replace('{ minimum: async, set: sync }', '{ minimum: sync, set: async }'))).toBe(
        'policy.yaml:11 rules[0].durability.set: must be at least the minimum (sync), got "async"',
      );
    });

    it('reports an unknown key with the valid keys', () => {
      expect(errorOf(VALID.replace('    snapshotBeforeChange: true', '    snapshotBefore: true'))).toBe(
        'policy.yaml:12 rules[0].snapshotBefore: unknown key "snapshotBefore" (valid keys: name, mode, match, snapshotBeforeChange, applyImmediately, durability, storageEncryption)',
      );
    });

    it('reports an unknown match key', () => {
      expect(errorOf(VALID.replace('      engines: [valkey]', '      engine: [valkey]'))).toMatch(
        /^policy\.yaml:7 rules\[0\]\.match\.engine: unknown key "engine" \(valid keys: resourceTypes, engines, tags, ids, clusterMode\)$/,
      );
    });

    it('reports a wrong version', () => {
      expect(errorOf(VALID.replace('version: 1', 'version: 2'))).toBe(
        'policy.yaml:1 version: expected 1, got 2',
      );
    });

    it('reports a missing required field at its parent', () => {
      expect(errorOf(VALID.replace('  - name: kms-only\n', '  - \n'))).toBe(
        'policy.yaml:14 rules[1].name: is required (string)',
      );
    });

    it('reports a rule with no check', () => {
      expect(errorOf(VALID.replace('    durability: { minimum: async, set: sync }\n', ''))).toBe(
        'policy.yaml:3 rules[0]: a rule needs at least one check: durability, storageEncryption',
      );
    });

    it('reports a wrong type with the value it got', () => {
      expect(errorOf(VALID.replace('snapshotBeforeChange: true', 'snapshotBeforeChange: "yes"'))).toBe(
        'policy.yaml:12 rules[0].snapshotBeforeChange: expected boolean, got "yes"',
      );
    });

    it('reports a bad resource type and a bad encryption type', () => {
      const message = errorOf(
        VALID.replace('resourceTypes: [replication-group]', 'resourceTypes: [cluster]').replace(
          '[sse-kms]',
          '[kms]',
        ),
      );
      expect(message.split('\n')).toEqual([
        'policy.yaml:6 rules[0].match.resourceTypes[0]: expected one of replication-group|serverless-cache, got "cluster"',
        'policy.yaml:16 rules[1].storageEncryption.allowed[0]: expected one of none|sse-elasticache|sse-kms, got "kms"',
      ]);
    });

    it('reports a duplicate rule name', () => {
      expect(errorOf(VALID.replace('name: kms-only', 'name: prod-durability'))).toBe(
        'policy.yaml:13 rules[1].name: duplicate rule name "prod-durability" (also rules[0])',
      );
    });

    it('reports an exemption naming an unknown rule', () => {
      expect(errorOf(VALID.replace('reason: decommission planned }', 'reason: x, rules: [nope] }'))).toBe(
        'policy.yaml:19 exemptions[0].rules[0]: unknown rule "nope" (rules: prod-durability, kms-only)',
      );
    });

    it('reports an impossible exemption date', () => {
      expect(errorOf(VALID.replace('until: 2027-01-31', 'until: 2027-02-30'))).toBe(
        'policy.yaml:19 exemptions[0].until: expected a date YYYY-MM-DD, got "2027-02-30"',
      );
    });

    it('reports a YAML syntax error with its line', () => {
      expect(errorOf('version: 1\nrules:\n  - name: [unclosed\n')).toMatch(
        /^invalid YAML: policy\.yaml:\d+ /,
      );
    });

    it('reports an invalid glob in match.ids with its line', () => {
      expect(errorOf(VALID.replace('ids: ["orders-*"]', 'ids: ["orders-*", "orders-["]'))).toBe(
        'policy.yaml:9 rules[0].match.ids[1]: invalid glob "orders-[": "[" at position 8 is never closed',
      );
    });

    it('reports an empty rule list', () => {
      expect(errorOf('version: 1\nrules: []\n')).toMatch(/^policy\.yaml:2 rules: /);
    });
  });

  describe('Function: loadPolicyFile', () => {
    it('names a file it cannot read', async () => {
      await expect(loadPolicyFile('/nonexistent/policy.yaml')).rejects.toThrow(
        'cannot read policy file /nonexistent/policy.yaml: ENOENT',
      );
    });

    it('names the file in errors by its base name', async () => {
      // Prepare
      const dir = await mkdtemp(join(tmpdir(), 'guardrails-policy-'));
      const path = join(dir, 'team.yaml');
      await writeFile(path, 'version: 1\nrules: 3\n');

      // Act & Assess
      await expect(loadPolicyFile(path)).rejects.toThrow(/^team\.yaml:2 rules: expected array, got 3$/);
    });
  });
});
