import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { captureIo } from '../../cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'guardrails-validate-'));

/** Writes `text` as a policy file and runs `policy validate` on it with `flags`. */
async function validate(text: string, ...flags: string[]) {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  const io = captureIo();
  const code = await runCli(['policy', 'validate', file, ...flags], io);
  return { code, out: io.out().replace(file, 'FILE'), err: io.err(), name: file.split('/').pop() ?? '' };
}

const NEVER_APPLIES = `version: 1
rules:
  - name: cache-engines
    match:
      engines: [valkey, memcache]
    storageEncryption:
      allowed: [sse-elasticache]
      kmsKeyIds: [alias/cache]
exemptions:
  - { resource: legacy-cache, until: 2020-01-31, reason: decommission planned }
  - { resource: other-cache, until: 2999-01-31, reason: still needed }
`;

describe('Command: policy validate', () => {
  it('warns of an expired exemption, keys that can never apply and an unsupported engine, one line each, exit 0', async () => {
    // Act
    const result = await validate(NEVER_APPLIES);

    // Assess
    expect(result.code).toBe(EXIT.compliant);
    expect(result.out).toBe('FILE: valid (1 rule, 2 exemptions, 3 warnings)\n');
    expect(result.err.trimEnd().split('\n')).toEqual([
      `guardrails: warning: ${result.name}:5 rules[0].match.engines[1]: memcache is not a supported engine (valkey, redis; memcached for serverless caches)`,
      `guardrails: warning: ${result.name}:8 rules[0].storageEncryption.kmsKeyIds: never applies: allowed (sse-elasticache) does not include sse-kms`,
      `guardrails: warning: ${result.name}:10 exemptions[0].until: expired: 2020-01-31 has passed, the exemption no longer applies (remove it or move until)`,
    ]);
  });

  it('refuses the same file with --strict, naming each line', async () => {
    const result = await validate(NEVER_APPLIES, '--strict');

    expect(result.code).toBe(EXIT.usage);
    expect(result.out).toBe('');
    expect(result.err).toContain(`${result.name}:5 rules[0].match.engines[1]: memcache is not`);
    expect(result.err).toContain(`${result.name}:8 rules[0].storageEncryption.kmsKeyIds: never applies`);
    expect(result.err).toContain(`${result.name}:10 exemptions[0].until: expired`);
  });

  it('passes a policy with nothing to warn of, --strict too, its counts in words', async () => {
    const clean = NEVER_APPLIES.replace(', memcache', '')
      .replace('[sse-elasticache]', '[sse-elasticache, sse-kms]')
      .replace('2020-01-31', '2999-02-28');

    const plain = await validate(clean);
    const strict = await validate(clean, '--strict');

    expect(plain).toMatchObject({
      code: EXIT.compliant,
      out: 'FILE: valid (1 rule, 2 exemptions)\n',
      err: '',
    });
    expect(strict).toMatchObject({ code: EXIT.compliant, err: '' });
  });

  it('warns of keyOwner beside an allowed list without sse-kms', async () => {
    const result = await validate(
      NEVER_APPLIES.replace('kmsKeyIds: [alias/cache]', 'keyOwner: same-account').replace(', memcache', ''),
    );

    expect(result.err).toContain('rules[0].storageEncryption.keyOwner: never applies');
  });

  it('reads memcached as serverless caches: no warning beside a check that applies to them, one beside durability alone', async () => {
    const encryption = await validate(
      NEVER_APPLIES.replace('memcache]', 'memcached]')
        .replace('  - { resource: legacy-cache, until: 2020-01-31, reason: decommission planned }\n', '')
        .replace('      kmsKeyIds: [alias/cache]\n', ''),
    );
    const durabilityOnly = await validate(
      NEVER_APPLIES.replace('memcache]', 'memcached]').replace(
        / {4}storageEncryption:\n.*\n.*\n/,
        '    durability: { minimum: async }\n',
      ),
    );

    expect(encryption).toMatchObject({ code: EXIT.compliant, err: '' });
    expect(durabilityOnly.err).toContain(
      'rules[0].match.engines[1]: memcached: never applies: Memcached is read as serverless caches only, and durability does not apply to them',
    );
  });

  it('warns of a soak that steps back below its own rule (minimum: sync, onBreach: step-back), naming the line; not of one under minimum async', async () => {
    // Prepare
    const rule = (minimum: string) => `version: 1
rules:
  - name: durable
    mode: enforce
    durability:
      minimum: ${minimum}
      set: sync
      soak:
        window: 2h
        onBreach: step-back
`;

    // Act
    const below = await validate(rule('sync'));
    const within = await validate(rule('async'));

    // Assess
    expect(below.code).toBe(EXIT.compliant);
    expect(below.err).toContain(
      `guardrails: warning: ${below.name}:10 rules[0].durability.soak.onBreach: a step back (sync to async) would violate this rule (minimum: sync)`,
    );
    expect(within.err).toBe('');
  });

  it('lists each warning with its line in json', async () => {
    const result = await validate(NEVER_APPLIES, '--format', 'json');

    const [row] = JSON.parse(result.out) as { warnings: string[]; rules: string }[];
    expect(row?.rules).toBe('1');
    expect(row?.warnings).toHaveLength(3);
    expect(row?.warnings[2]).toBe(
      `${result.name}:10 exemptions[0].until: expired: 2020-01-31 has passed, the exemption no longer applies (remove it or move until)`,
    );
  });
});
