import { describe, expect, it } from 'vitest';
import { severityOf } from '../../../shared/domain/checks/registry.js';
import { EXEMPT_UNTIL_TAG, evaluate, explainRules, summarize } from '../../../shared/domain/evaluate.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { DurabilityLevel, Resource, StorageEncryptionType } from '../../../shared/domain/resource.js';

const NOW = new Date('2026-11-24T12:00:00Z');

function group(id: string, extra: Partial<Resource> = {}): Resource {
  return {
    type: 'replication-group',
    id,
    arn: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`,
    engine: 'valkey',
    status: 'available',
    clusterMode: 'enabled',
    effectiveDurability: 'disabled',
    storageEncryptionType: 'sse-elasticache',
    pendingModifications: false,
    tags: {},
    ...extra,
  };
}

function policy(rules: string, exemptions = '[]') {
  return parsePolicy(`version: 1\nrules:\n${rules}\nexemptions: ${exemptions}\n`, 'test.yaml');
}

const durabilityRule = (minimum: DurabilityLevel, match = '{}') =>
  `  - name: dur\n    match: ${match}\n    durability: { minimum: ${minimum} }`;

describe('Function: evaluate', () => {
  it("gives a rule's findings the rule's severity when it sets one, else each check's", () => {
    // Prepare
    const rules = `${durabilityRule('sync')}
  - name: quiet
    severity: low
    durability: { minimum: sync }
    transitEncryption: { mode: required }`;

    // Act
    const findings = evaluate([group('g', { transitEncryptionEnabled: false })], policy(rules), NOW);

    // Assess
    expect(findings.map((finding) => [finding.rule, finding.check, severityOf(finding)])).toEqual([
      ['dur', 'durability', 'high'],
      ['quiet', 'durability', 'low'],
      ['quiet', 'transitEncryption', 'low'],
    ]);
  });

  describe('durability', () => {
    it.each<[DurabilityLevel | undefined, DurabilityLevel, string]>([
      ['disabled', 'disabled', 'compliant'],
      ['disabled', 'async', 'violation'],
      ['disabled', 'sync', 'violation'],
      ['async', 'disabled', 'compliant'],
      ['async', 'async', 'compliant'],
      ['async', 'sync', 'violation'],
      ['sync', 'disabled', 'compliant'],
      ['sync', 'async', 'compliant'],
      ['sync', 'sync', 'compliant'],
      [undefined, 'disabled', 'unknown'],
      [undefined, 'async', 'unknown'],
      [undefined, 'sync', 'unknown'],
    ])('EffectiveDurability %s against minimum %s is %s', (effective, minimum, status) => {
      // Act
      const [finding] = evaluate(
        [group('g', { effectiveDurability: effective })],
        policy(durabilityRule(minimum)),
        NOW,
      );

      // Assess
      expect(finding?.status).toBe(status);
      expect(finding?.expected).toBe(`>= ${minimum}`);
      expect(finding?.observed).toBe(effective ?? 'unknown');
    });

    it('never decides on the requested Durability, but notes the difference', () => {
      const [finding] = evaluate(
        [group('g', { durability: 'sync', effectiveDurability: 'disabled' })],
        policy(durabilityRule('async')),
        NOW,
      );
      expect(finding).toMatchObject({
        status: 'violation',
        notes: ['Durability requested sync, effective disabled'],
      });
    });

    it('skips serverless caches, which cannot be durable', () => {
      const cache = group('s', { type: 'serverless-cache', effectiveDurability: undefined });
      expect(evaluate([cache], policy(durabilityRule('sync')), NOW)).toEqual([]);
    });

    it('says which field the API did not return', () => {
      const [finding] = evaluate(
        [group('g', { effectiveDurability: undefined })],
        policy(durabilityRule('sync')),
        NOW,
      );
      expect(finding?.reason).toContain('no EffectiveDurability');
    });
  });

  describe('storage encryption', () => {
    const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`;
    const OTHER_ARN = 'arn:aws:kms:us-east-1:123456789012:key/ffffffff-0000-0000-0000-000000000000';
    const ALIAS_ARN = 'arn:aws:kms:us-east-1:123456789012:alias/cache-key';
    const rule = (allowed: string, keys = '[]') =>
      `  - name: enc\n    match: {}\n    storageEncryption: { allowed: [${allowed}], kmsKeyIds: ${keys} }`;

    it.each<[StorageEncryptionType | undefined, string | undefined, string, string, string]>([
      ['none', undefined, 'none, sse-elasticache, sse-kms', '[]', 'compliant'],
      ['none', undefined, 'sse-elasticache, sse-kms', '[]', 'violation'],
      ['sse-elasticache', undefined, 'sse-elasticache, sse-kms', '[]', 'compliant'],
      ['sse-elasticache', undefined, 'sse-kms', '[]', 'violation'],
      ['sse-kms', KEY_ARN, 'sse-kms', '[]', 'compliant'],
      ['sse-kms', KEY_ARN, 'sse-kms', `["${KEY_ID}"]`, 'compliant'],
      ['sse-kms', KEY_ID, 'sse-kms', `["${KEY_ARN}"]`, 'compliant'],
      ['sse-kms', KEY_ARN, 'sse-kms', `["${KEY_ARN}"]`, 'compliant'],
      ['sse-kms', OTHER_ARN, 'sse-kms', `["${KEY_ID}"]`, 'violation'],
      ['sse-kms', ALIAS_ARN, 'sse-kms', `["${ALIAS_ARN}"]`, 'compliant'],
      ['sse-kms', ALIAS_ARN, 'sse-kms', '["alias/cache-key"]', 'compliant'],
      ['sse-kms', KEY_ARN, 'sse-kms', `["${ALIAS_ARN}"]`, 'violation'],
      ['sse-kms', undefined, 'sse-kms', `["${KEY_ID}"]`, 'unknown'],
      ['sse-kms', KEY_ARN, 'sse-elasticache', `["${KEY_ID}"]`, 'violation'],
      [undefined, undefined, 'sse-kms', '[]', 'unknown'],
      [undefined, undefined, 'none', '[]', 'unknown'],
    ])('%s with key %s against allowed [%s] keys %s is %s', (type, kmsKeyId, allowed, keys, status) => {
      // Prepare
      const resource = group('g', { storageEncryptionType: type, kmsKeyId });

      // Act
      const [finding] = evaluate([resource], policy(rule(allowed, keys)), NOW);

      // Assess
      expect(finding?.status).toBe(status);
      expect(finding?.check).toBe('storageEncryption');
    });

    it('never decides on AtRestEncryptionEnabled, and notes when it disagrees', () => {
      // Act
      const [finding] = evaluate(
        [group('g', { storageEncryptionType: 'sse-elasticache', atRestEncryptionEnabled: false })],
        policy(rule('sse-elasticache')),
        NOW,
      );

      // Assess
      expect(finding?.status).toBe('compliant');
      expect(finding?.notes?.[0]).toMatch(
        /AtRestEncryptionEnabled reads false, but StorageEncryptionType is sse-elasticache/,
      );
    });

    it('checks serverless caches too', () => {
      const cache = group('s', { type: 'serverless-cache', storageEncryptionType: 'none' });
      expect(evaluate([cache], policy(rule('sse-kms')), NOW)[0]?.status).toBe('violation');
    });
  });

  describe('matching', () => {
    const fleet = [
      group('orders-1', { tags: { env: 'prod', owner: 'team-a' } }),
      group('orders-2', { tags: { env: 'dev', owner: 'team-a' } }),
      group('orders-3', { tags: { env: 'prod' } }),
      group('cart-1', { tags: { env: 'prod', owner: 'b' }, engine: 'redis' }),
      group('cart-2', { tags: { env: 'prod', owner: 'b' }, clusterMode: 'disabled' }),
      group('sessions', { type: 'serverless-cache', tags: { env: 'prod', owner: 'c' } }),
    ];
    const matched = (match: string) =>
      evaluate(
        fleet,
        policy(`  - name: enc\n    match: ${match}\n    storageEncryption: { allowed: [sse-kms] }`),
        NOW,
      ).map((finding) => finding.resourceId);

    it.each([
      ['{}', ['cart-1', 'cart-2', 'orders-1', 'orders-2', 'orders-3', 'sessions']],
      ['{ tags: { env: prod } }', ['cart-1', 'cart-2', 'orders-1', 'orders-3', 'sessions']],
      ['{ tags: { env: prod, owner: "*" } }', ['cart-1', 'cart-2', 'orders-1', 'sessions']],
      ['{ ids: ["orders-*"] }', ['orders-1', 'orders-2', 'orders-3']],
      ['{ ids: ["orders-?", "cart-2"] }', ['cart-2', 'orders-1', 'orders-2', 'orders-3']],
      ['{ ids: ["orders"] }', []],
      ['{ engines: [redis] }', ['cart-1']],
      ['{ engines: [VALKEY] }', ['cart-2', 'orders-1', 'orders-2', 'orders-3', 'sessions']],
      ['{ resourceTypes: [serverless-cache] }', ['sessions']],
      ['{ clusterMode: [disabled] }', ['cart-2']],
      ['{ ids: ["*-1"], tags: { env: prod } }', ['cart-1', 'orders-1']],
    ])('match %s selects %o', (match, ids) => {
      expect(matched(match)).toEqual(ids);
    });

    it('matches a pathological glob against a 10 000-character id without backtracking', {
      timeout: 2000,
    }, () => {
      // Prepare: as a backtracking regular expression this takes longer than the universe's age.
      const rules = `  - name: enc\n    match: { ids: ["${'*a'.repeat(20)}*!"] }\n    storageEncryption: { allowed: [sse-kms] }`;

      // Act
      const findings = evaluate([group('a'.repeat(10_000)), group(`${'a'.repeat(30)}!`)], policy(rules), NOW);

      // Assess
      expect(findings.map((finding) => finding.resourceId)).toEqual([`${'a'.repeat(30)}!`]);
    });

    it('treats glob metacharacters of regular expressions literally', () => {
      const findings = evaluate(
        [group('a.b'), group('axb')],
        policy('  - name: enc\n    match: { ids: ["a.b"] }\n    storageEncryption: { allowed: [sse-kms] }'),
        NOW,
      );
      expect(findings.map((finding) => finding.resourceId)).toEqual(['a.b']);
    });
  });

  describe('exemptions', () => {
    const rules = `${durabilityRule('sync')}\n  - name: enc\n    match: {}\n    storageEncryption: { allowed: [sse-kms] }`;

    it('exempts every rule of a listed resource through the until date', () => {
      // Act
      const findings = evaluate(
        [group('legacy'), group('other')],
        policy(rules, '[{ resource: legacy, until: 2026-11-24, reason: decommission }]'),
        NOW,
      );

      // Assess
      expect(findings.map((finding) => [finding.resourceId, finding.rule, finding.status])).toEqual([
        ['legacy', 'dur', 'exempt'],
        ['legacy', 'enc', 'exempt'],
        ['other', 'dur', 'violation'],
        ['other', 'enc', 'violation'],
      ]);
      expect(findings[0]?.reason).toBe('exempt until 2026-11-24: decommission (would be violation)');
    });

    it('exempts only the listed rules when it names some', () => {
      const findings = evaluate(
        [group('legacy')],
        policy(rules, '[{ resource: legacy, until: 2027-01-31, reason: later, rules: [enc] }]'),
        NOW,
      );
      expect(findings.map((finding) => finding.status)).toEqual(['violation', 'exempt']);
    });

    it('no longer exempts after expiry, and says it expired', () => {
      // Act
      const [finding] = evaluate(
        [group('legacy')],
        policy(durabilityRule('sync'), '[{ resource: legacy, until: 2026-11-23, reason: decommission }]'),
        NOW,
      );

      // Assess
      expect(finding?.status).toBe('violation');
      expect(finding?.notes).toEqual(['exemption expired 2026-11-23 (decommission)']);
    });

    it.each([
      ['2026-12-01', 'exempt', undefined],
      ['2026-11-01', 'violation', `exemption expired 2026-11-01 (tag ${EXEMPT_UNTIL_TAG})`],
      ['soon', 'violation', `tag ${EXEMPT_UNTIL_TAG}="soon" is not a date YYYY-MM-DD and exempts nothing`],
    ])('honours the tag %s as %s', (until, status, note) => {
      const [finding] = evaluate(
        [group('g', { tags: { [EXEMPT_UNTIL_TAG]: until } })],
        policy(durabilityRule('sync')),
        NOW,
      );
      expect(finding?.status).toBe(status);
      expect(finding?.notes?.[0]).toBe(note);
    });
  });

  it('gives findings in a stable order whatever the fleet order', () => {
    // Prepare
    const rules = `  - name: z-rule\n    match: {}\n    durability: { minimum: sync }\n${durabilityRule('async')}`;
    const fleet = [group('b'), group('a'), group('c')];

    // Act
    const forward = evaluate(fleet, policy(rules), NOW);
    const backward = evaluate([...fleet].reverse(), policy(rules), NOW);

    // Assess
    expect(forward.map((finding) => `${finding.resourceId}/${finding.rule}`)).toEqual([
      'a/dur',
      'a/z-rule',
      'b/dur',
      'b/z-rule',
      'c/dur',
      'c/z-rule',
    ]);
    expect(backward).toEqual(forward);
  });

  it('yields no finding for a resource no rule matches', () => {
    expect(evaluate([group('g')], policy(durabilityRule('sync', '{ engines: [redis] }')), NOW)).toEqual([]);
  });
});

describe('Function: summarize', () => {
  it('counts by status and by rule', () => {
    // Prepare
    const findings = evaluate(
      [
        group('a', { effectiveDurability: 'sync' }),
        group('b'),
        group('c', { effectiveDurability: undefined }),
      ],
      policy(durabilityRule('async')),
      NOW,
    );

    // Act
    const summary = summarize(findings);

    // Assess
    expect(summary).toEqual({
      total: 3,
      byStatus: { compliant: 1, violation: 1, degraded: 0, exempt: 0, unknown: 1, error: 0 },
      byRule: { dur: { compliant: 1, violation: 1, unknown: 1 } },
    });
  });
});

describe('Function: explainRules', () => {
  const rules = policy(
    [
      `  - name: prod-valkey\n    match: { resourceTypes: [replication-group], engines: [valkey], clusterMode: [enabled], ids: ["orders-*"], tags: { env: prod, team: "*" } }\n    durability: { minimum: sync }`,
      `  - name: everything\n    match: {}\n    storageEncryption: { allowed: [sse-kms] }`,
    ].join('\n'),
  );

  it.each([
    ['orders-1', { env: 'prod', team: 'payments' }, 'valkey', true],
    ['orders-2', { env: 'dev', team: 'payments' }, 'valkey', false],
    ['orders-3', { env: 'prod' }, 'valkey', false],
    ['cart-1', { env: 'prod', team: 'payments' }, 'valkey', false],
    ['orders-4', { env: 'prod', team: 'payments' }, 'redis', false],
  ])('agrees with evaluate for %s %j (%s)', (id, tags, engine, applies) => {
    const resource = group(id, { tags, engine });

    const [prod, everything] = explainRules(resource, rules, NOW);

    expect(prod?.matches).toBe(applies);
    expect(prod?.findings.length).toBe(
      evaluate([resource], rules, NOW).filter((f) => f.rule === 'prod-valkey').length,
    );
    expect(prod?.criteria.filter((item) => !item.holds).length === 0).toBe(applies);
    expect(everything).toMatchObject({
      matches: true,
      criteria: [{ criterion: 'no match criteria: every resource', holds: true }],
    });
    expect(everything?.findings[0]?.status).toBe('violation');
  });

  it('names the criterion that fails, with the value it saw', () => {
    const [prod] = explainRules(group('orders-9', { tags: { env: 'dev', team: 'x' } }), rules, NOW);

    expect(prod?.criteria.filter((item) => !item.holds).map((item) => item.criterion)).toEqual([
      'tag env=prod (is "dev")',
    ]);
  });
});
