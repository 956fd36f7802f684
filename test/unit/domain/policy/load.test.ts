import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../../../shared/aws/policy-file.js';
import { CHECKS } from '../../../../shared/domain/checks/registry.js';
import { checkPolicy, PolicyError, parsePolicy } from '../../../../shared/domain/policy/load.js';

/** Every registered check, as the messages list them (a new check adds itself). */
const CHECK_NAMES = Object.keys(CHECKS).join(', ');

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
        durabilitySwitch: 'online',
      });
      expect(policy.rules[0]).toMatchObject({
        name: 'prod-durability',
        mode: 'enforce',
        applyImmediately: true,
        durability: {
          minimum: 'async',
          set: 'sync',
          allowDowngrade: false,
          maxLagMs: 5000,
          stagedChanges: { allow: [] },
        },
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
        `policy.yaml:12 rules[0].snapshotBefore: unknown key "snapshotBefore" (valid keys: name, mode, match, snapshotBeforeChange, applyImmediately, severity, ${CHECK_NAMES})`,
      );
    });

    it('reports a rule severity outside the scale, naming its line', () => {
      expect(errorOf(VALID.replace('    snapshotBeforeChange: true', '    severity: critical'))).toMatch(
        /^policy\.yaml:12 rules\[0\]\.severity: .*info.*low.*medium.*high/,
      );
    });

    it("takes a rule severity that overrides its checks'", () => {
      const policy = parsePolicy(
        VALID.replace('    snapshotBeforeChange: true', '    severity: low'),
        'policy.yaml',
      );
      expect(policy.rules[0]?.severity).toBe('low');
    });

    it('reports an unknown match key', () => {
      expect(errorOf(VALID.replace('      engines: [valkey]', '      engine: [valkey]'))).toMatch(
        /^policy\.yaml:7 rules\[0\]\.match\.engine: unknown key "engine" \(valid keys: accounts, ous, regions, resourceTypes, engines, tags, ids, clusterMode\)$/,
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
        `policy.yaml:3 rules[0]: a rule needs at least one check: ${CHECK_NAMES}`,
      );
    });

    it('reports a wrong type with the value it got', () => {
      expect(errorOf(VALID.replace('snapshotBeforeChange: true', 'snapshotBeforeChange: "yes"'))).toBe(
        'policy.yaml:12 rules[0].snapshotBeforeChange: expected boolean, got "yes"',
      );
    });

    it.each([
      ['all', 'got "all": write all-enabled'],
      ['eu-west-1', 'got "eu-west-1": write [eu-west-1]'],
      ['7', 'got 7'],
    ])('names the words settings.targets.regions takes when it holds %s', (regions, told) => {
      const text = VALID.replace(
        'rules:\n',
        `settings:\n  targets:\n    accounts: ['111111111111']\n    regions: ${regions}\nrules:\n`,
      );
      expect(errorOf(text)).toBe(
        `policy.yaml:5 settings.targets.regions: expected all-enabled (each account's enabled regions) or a list of regions, ${told}`,
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

  describe('input of any size or shape', () => {
    it('refuses an empty file', () => {
      expect(errorOf('')).toBe('policy.yaml: the file is empty');
      expect(errorOf('  \n\n')).toBe('policy.yaml: the file is empty');
    });

    it('refuses a file of comments only', () => {
      expect(errorOf('# nothing yet\n')).toBe('policy.yaml: the file holds no policy, only comments');
    });

    it('refuses a text larger than 1 MiB', () => {
      expect(errorOf(`version: 1\n# ${'x'.repeat(1024 * 1024)}\n`)).toBe(
        'policy.yaml: the file is larger than 1 MiB (1048590 bytes)',
      );
    });

    it('refuses a text holding NUL characters as not text', () => {
      expect(errorOf('version: 1\nrules: \u0000\u0001\u0002\n')).toBe(
        'policy.yaml:2 not a text file (a NUL character)',
      );
    });

    it.each([
      ['flow', `version: 1\nrules: ${'['.repeat(100_000)}`],
      ['closed flow', `version: 1\nrules: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
      ['block', `version: 1\nrules:\n  ${'- '.repeat(100_000)}x\n`],
      [
        'mapping',
        `version: 1\nrules:\n${Array.from({ length: 70 }, (_, depth) => `${' '.repeat(depth + 2)}a:`).join('\n')} 1\n`,
      ],
    ])('refuses %s nesting deeper than 64 levels at its line', (_kind, text) => {
      expect(errorOf(text)).toMatch(/^policy\.yaml:\d+ nesting deeper than 64 levels$/);
    });

    it('refuses aliases that expand too far (billion laughs) at the line of an alias', () => {
      const text = [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      ].join('\n');
      expect(errorOf(text)).toMatch(
        /^policy\.yaml:2 aliases expand too far \(more than 100 uses of an anchor\)$/,
      );
    });

    it('names a number out of range with its field', () => {
      expect(
        errorOf(VALID.replace('version: 1\n', 'version: 1\nsettings: { maxActionsPerRun: 1e400 }\n')),
      ).toBe('policy.yaml:2 settings.maxActionsPerRun: number out of range (expected number)');
    });

    it('shows at most 80 characters of a huge value', () => {
      // Act
      const message = errorOf(VALID.replace('until: 2027-01-31', `until: "${'9'.repeat(300_000)}"`));

      // Assess
      expect(message.length).toBeLessThan(200);
      expect(message).toMatch(
        /^policy\.yaml:19 exemptions\[0\]\.until: expected a date YYYY-MM-DD, got "9{79}… \(300000 chars\)$/,
      );
    });

    it('lists at most 10 YAML errors', () => {
      expect(errorOf(`version: 1\n${'- a: [\n'.repeat(100)}`).split('\n').length).toBeLessThanOrEqual(11);
    });
  });

  describe('Function: loadPolicyFile', () => {
    it('names /dev/null as empty', async () => {
      await expect(loadPolicyFile('/dev/null')).rejects.toThrow('policy file /dev/null: the file is empty');
    });

    it('refuses an endless file after 1 MiB instead of reading it all', async () => {
      await expect(loadPolicyFile('/dev/zero')).rejects.toThrow(
        'policy file /dev/zero: the file is larger than 1 MiB',
      );
    });

    it('refuses a binary file as not text', async () => {
      // Prepare
      const dir = await mkdtemp(join(tmpdir(), 'guardrails-policy-'));
      const path = join(dir, 'policy.yaml');
      await writeFile(path, Buffer.from([0x76, 0x65, 0x72, 0xff, 0xfe, 0x00, 0x89, 0x50, 0x4e, 0x47]));

      // Act & Assess
      await expect(loadPolicyFile(path)).rejects.toThrow(`policy file ${path}: not a text file (not UTF-8)`);
    });

    it('names a file it cannot read', async () => {
      await expect(loadPolicyFile('/nonexistent/policy.yaml')).rejects.toThrow(
        'policy file /nonexistent/policy.yaml does not exist: pass --policy FILE (without --policy the default policy, infra/policy.default.yaml, is used)',
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

describe('Policy: durability.stagedChanges', () => {
  const policyWith = (stagedChanges: string) => `version: 1
rules:
  - name: durable
    durability:
      minimum: async
      stagedChanges: ${stagedChanges}
`;

  it('accepts the online steps a policy lets run unattended', () => {
    const policy = parsePolicy(policyWith('{ allow: [upgrade-engine, add-replicas] }'), 'p.yaml');
    expect(policy.rules[0]?.durability?.stagedChanges.allow).toEqual(['upgrade-engine', 'add-replicas']);
  });

  it('names the line and the valid actions of an unknown one', () => {
    expect(() => parsePolicy(policyWith('{ allow: [reboot] }'), 'p.yaml')).toThrow(
      /p\.yaml:6 rules\[0\]\.durability\.stagedChanges\.allow\[0\]: expected one of upgrade-engine.*got "reboot"/,
    );
  });
});

describe('Policy: durability.maxWriteLatencyMs and durability.fit', () => {
  const policyWith = (lines: string) => `version: 1
rules:
  - name: durable
    durability:
      minimum: async
      set: sync
${lines}
`;

  it('defaults fit to 14 days and a headroom of 0.7, with no latency budget', () => {
    const durability = parsePolicy(policyWith(''), 'p.yaml').rules[0]?.durability;
    expect(durability?.fit).toEqual({ lookbackDays: 14, headroom: 0.7 });
    expect(durability?.maxWriteLatencyMs).toBeUndefined();
  });

  it('accepts a budget and a fit of its own', () => {
    const durability = parsePolicy(
      policyWith('      maxWriteLatencyMs: 1.5\n      fit: { lookbackDays: 15, headroom: 1 }'),
      'p.yaml',
    ).rules[0]?.durability;
    expect(durability).toMatchObject({ maxWriteLatencyMs: 1.5, fit: { lookbackDays: 15, headroom: 1 } });
  });

  it.each([
    [
      'lookbackDays past the 15 days of 1-minute data',
      '      fit:\n        lookbackDays: 16',
      /p\.yaml:8 rules\[0\]\.durability\.fit\.lookbackDays: .*15/,
    ],
    [
      'a headroom of 0',
      '      fit:\n        headroom: 0',
      /p\.yaml:8 rules\[0\]\.durability\.fit\.headroom: .*0/,
    ],
    [
      'a headroom above 1',
      '      fit:\n        headroom: 1.2',
      /p\.yaml:8 rules\[0\]\.durability\.fit\.headroom: .*1/,
    ],
    [
      'a negative budget',
      '      maxWriteLatencyMs: -1',
      /p\.yaml:7 rules\[0\]\.durability\.maxWriteLatencyMs: /,
    ],
    ['an unknown fit field', '      fit:\n        days: 3', /p\.yaml:8 rules\[0\]\.durability\.fit.*days/],
  ])('refuses %s, naming its line', (_name, lines, message) => {
    expect(() => parsePolicy(policyWith(lines), 'p.yaml')).toThrow(message);
  });

  it('warns of a latency budget under a rule that does not set sync', () => {
    const text = policyWith('      maxWriteLatencyMs: 1').replace('set: sync', 'set: async');
    expect(checkPolicy(text, 'p.yaml', new Date('2027-01-01')).warnings).toEqual([
      expect.stringMatching(
        /^p\.yaml:7 rules\[0\]\.durability\.maxWriteLatencyMs: never applies: set is async/,
      ),
    ]);
  });
});

describe('Policy: durability.soak', () => {
  const policyWith = (soak: string) => `version: 1
rules:
  - name: durable
    durability:
      minimum: async
      set: sync
      soak: ${soak}
`;

  it('watches for 2 hours by default, and nothing with soak: false', () => {
    const soakOf = (text: string) => parsePolicy(text, 'p.yaml').rules[0]?.durability?.soak;
    expect(soakOf(policyWith('{}'))).toEqual({ windowSeconds: 7200, onBreach: 'alert', unattended: false });
    expect(soakOf(policyWith('false'))).toBeUndefined();
  });

  it.each([
    [
      'a bad onBreach at its own field',
      '{ onBreach: rollback }',
      /p\.yaml:7 rules\[0\]\.durability\.soak\.onBreach: expected one of alert\|step-back, got "rollback"/,
    ],
    [
      'a bad field on its own line',
      '\n        unattended: 3',
      /p\.yaml:8 rules\[0\]\.durability\.soak\.unattended: expected boolean, got 3/,
    ],
    [
      'true, which is neither false nor a soak',
      'true',
      /p\.yaml:7 rules\[0\]\.durability\.soak: expected false or object, got true/,
    ],
  ])('refuses %s, naming its line', (_name, soak, message) => {
    expect(() => parsePolicy(policyWith(soak), 'p.yaml')).toThrow(message);
  });
});
