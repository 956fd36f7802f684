import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../shared/domain/evaluate.js';
import { compileArnGlob } from '../../../shared/domain/glob.js';
import { PolicyError, parsePolicy } from '../../../shared/domain/policy/load.js';
import type { Resource } from '../../../shared/domain/resource.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const OWN = '222222222201';
const OTHER = '333333333301';

function group(account: string, region: string, extra: Partial<Resource> = {}): Resource {
  return {
    type: 'replication-group',
    id: 'g-1',
    arn: `arn:aws:elasticache:${region}:${account}:replicationgroup:g-1`,
    engine: 'valkey',
    status: 'available',
    storageEncryptionType: 'sse-kms',
    pendingModifications: false,
    tags: {},
    ...extra,
  };
}

const encryption = (settings: string) =>
  parsePolicy(
    `version: 1\nrules:\n  - name: enc\n    storageEncryption: { allowed: [sse-kms], ${settings} }\n`,
    'test.yaml',
  );

describe('Function: compileArnGlob', () => {
  it('matches each part on its own: a * never runs across a colon', () => {
    // Prepare
    const glob = compileArnGlob(`arn:aws:elasticache:*:${OWN}:replicationgroup:g-*`);

    // Assess
    expect(glob.test(`arn:aws:elasticache:eu-west-1:${OWN}:replicationgroup:g-7`)).toBe(true);
    expect(glob.test(`arn:aws:elasticache:eu-west-1:${OTHER}:replicationgroup:g-7`)).toBe(false);
    expect(glob.test(`arn:aws:elasticache:eu-west-1:x:${OWN}:replicationgroup:g-7`)).toBe(false);
    expect(glob.test(`arn:aws:elasticache:eu-west-1:${OWN}:serverlesscache:g-7`)).toBe(false);
  });
});

describe('Check: storageEncryption, account-aware', () => {
  it.each([
    [OWN, 'eu-west-1', 'compliant'],
    [OWN, 'us-east-1', 'violation'],
    [OTHER, 'eu-west-1', 'violation'],
  ])('kmsKeyIds with {account} and {region}: a resource of %s in %s is %s', (account, region, status) => {
    // Prepare
    const policy = encryption('kmsKeyIds: ["arn:aws:kms:{region}:{account}:alias/cache"]');
    const resource = group(account, region, { kmsKeyId: `arn:aws:kms:eu-west-1:${OWN}:alias/cache` });

    // Act
    const [finding] = evaluate([resource], policy, NOW);

    // Assess
    expect(finding?.status).toBe(status);
  });

  it.each([
    [`arn:aws:kms:eu-west-1:${OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, 'compliant'],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', 'compliant'],
    [`arn:aws:kms:eu-west-1:${OTHER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, 'violation'],
    [`arn:aws:kms:eu-west-1:${OWN}:alias/aws/elasticache`, 'violation'],
  ])('keyOwner same-account: key %s is %s', (kmsKeyId, status) => {
    // Act
    const [finding] = evaluate(
      [group(OWN, 'eu-west-1', { kmsKeyId })],
      encryption('keyOwner: same-account'),
      NOW,
    );

    // Assess
    expect(finding?.status).toBe(status);
  });

  it('refuses a placeholder it does not know, naming its line', () => {
    expect(() => encryption('kmsKeyIds: ["arn:aws:kms:{region}:{acount}:alias/cache"]')).toThrow(
      /test\.yaml:4 rules\[0\]\.storageEncryption\.kmsKeyIds\[0\]: unknown placeholder/,
    );
  });
});

describe('Exemptions by id glob', () => {
  it('treats a bare id as a glob (legacy-*), in a policy without targets', () => {
    // Prepare
    const policy = parsePolicy(
      `version: 1
rules:
  - name: enc
    storageEncryption: { allowed: [sse-elasticache] }
exemptions:
  - { resource: "g-*", until: 2099-01-01, reason: legacy }
`,
      'test.yaml',
    );

    // Act
    const [finding] = evaluate([group(OWN, 'eu-west-1')], policy, NOW);

    // Assess
    expect(finding?.status).toBe('exempt');
  });

  it('refuses an ARN exemption that is not an ARN glob', () => {
    expect(() =>
      parsePolicy(
        'version: 1\nrules:\n  - name: enc\n    storageEncryption: { allowed: [sse-kms] }\nexemptions:\n  - { resource: "arn:aws:elasticache", until: 2099-01-01, reason: x }\n',
        'test.yaml',
      ),
    ).toThrow(PolicyError);
  });
});
