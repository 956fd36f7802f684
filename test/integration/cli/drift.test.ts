import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanEncryptionDrift } from '../../../shared/jobs/encryption-drift.js';
import { runCaptured } from '../../cli-io.js';
import { groupState, type Stack, serverlessState, startStack } from '../harness.js';

const KEY_ID_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const KEY_A = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID_A}`;
const KEY_B = 'arn:aws:kms:us-east-1:123456789012:key/bbbbbbbb-0000-4000-8000-000000000002';

const POLICY = `version: 1
rules:
  - name: at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [none, sse-elasticache, sse-kms] }
`;

const cache = (name: string, kmsKeyId: string) => serverlessState(name, { encrypted: true, kmsKeyId });

let stack: Stack;
let dir: string;
let policyPath: string;

beforeEach(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  const model = stack.emulator.model;
  model.putGroup(groupState('orders', { kmsKeyId: KEY_A }));
  model.putGroup(groupState('payments'));
  model.putGroup(groupState('sessions', { encrypted: false, atRestEncryptionEnabled: false }));
  model.putGroup(groupState('legacy', { kmsKeyId: KEY_A, legacyApi: true }));
  // A bare key id, as a caller may have given it at creation.
  model.putServerless(cache('cart', KEY_ID_A));
  dir = mkdtempSync(join(tmpdir(), 'guardrails-drift-'));
  policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterEach(async () => {
  await stack.close();
});

const cli = (args: string[]) => runCaptured(args);

const live = () => ['--endpoint-url', stack.emulator.endpoint, '--policy', policyPath];

/** Record the fleet as it is now, the way each baseline is made; returns the drift command's flags. */
const baselines = {
  async report(): Promise<string[]> {
    const report = join(dir, 'before.json');
    const { code } = await cli(['scan', ...live(), '--format', 'json', '--output', report]);
    expect(code).toBe(EXIT.compliant);
    return ['--baseline', report];
  },
  async table(): Promise<string[]> {
    await scanEncryptionDrift(stack.driftDeps(), parsePolicy(POLICY, 'policy.yaml'));
    return ['--table', stack.env.STATE_TABLE ?? ''];
  },
};

interface Row {
  kind: string;
  resourceId: string;
}
const drift = async (flags: string[]) => {
  const { code, out, err } = await cli(['drift', ...live(), ...flags, '--format', 'json']);
  const rows = (JSON.parse(out || '[]') as Row[]).sort((a, b) => a.resourceId.localeCompare(b.resourceId));
  return { code, rows, err };
};

describe('Command: guardrails drift', () => {
  describe.each(['report', 'table'] as const)('Baseline: %s', (kind) => {
    it('finds no drift in an unchanged fleet', async () => {
      // Prepare
      const flags = await baselines[kind]();

      // Act
      const result = await drift(flags);

      // Assess
      expect(result).toEqual({ code: EXIT.compliant, rows: [], err: '' });
    });

    it('shows only the filtered transitions and still exits 1 when the filter hides them all', async () => {
      // Prepare
      const flags = await baselines[kind]();
      const model = stack.emulator.model;
      model.putGroup(groupState('orders', { kmsKeyId: KEY_B }));
      model.putGroup(groupState('payments', { encrypted: false, atRestEncryptionEnabled: false }));

      // Act
      const some = await drift([...flags, '--resource', 'ord*']);
      const none = await drift([...flags, '--status', 'violation']);

      // Assess
      expect(some.rows.map((row) => row.resourceId)).toEqual(['orders']);
      expect(some.code).toBe(EXIT.violations);
      expect(none).toEqual({ code: EXIT.violations, rows: [], err: '' });
    });

    it('shows exactly a type change and a key change', async () => {
      // Prepare
      const flags = await baselines[kind]();
      const model = stack.emulator.model;
      model.putGroup(groupState('orders', { kmsKeyId: KEY_B }));
      model.putGroup(groupState('payments', { encrypted: false, atRestEncryptionEnabled: false }));

      // Act
      const result = await drift(flags);

      // Assess
      expect(result).toEqual({
        code: EXIT.violations,
        rows: [
          {
            kind: 'drift',
            resourceType: 'replication-group',
            resourceId: 'orders',
            before: `sse-kms (${KEY_A})`,
            now: `sse-kms (${KEY_B})`,
            cause: 'no known cause',
          },
          {
            kind: 'drift',
            resourceType: 'replication-group',
            resourceId: 'payments',
            before: 'sse-elasticache',
            now: 'none',
            cause: 'no known cause',
          },
        ],
        err: '',
      });
    });

    it('finds no drift when a key changes form between its id and its ARN', async () => {
      // Prepare
      const flags = await baselines[kind]();
      stack.emulator.model.putGroup(groupState('orders', { kmsKeyId: KEY_ID_A }));
      stack.emulator.model.putServerless(cache('cart', KEY_A));

      // Act
      const result = await drift(flags);

      // Assess
      expect(result).toEqual({ code: EXIT.compliant, rows: [], err: '' });
    });

    it('finds no drift when the API stops reporting the encryption fields', async () => {
      // Prepare
      const flags = await baselines[kind]();
      stack.emulator.model.putGroup(groupState('orders', { kmsKeyId: KEY_A, legacyApi: true }));
      stack.emulator.model.putServerless({ ...cache('cart', KEY_ID_A), legacyApi: true });

      // Act
      const result = await drift(flags);

      // Assess
      expect(result).toEqual({ code: EXIT.compliant, rows: [], err: '' });
    });
  });

  it('exits 0 when the only transitions are resolved ones: they are shown, and informational', async () => {
    // Prepare: a baseline in which sessions (no at-rest encryption) violates a stricter policy
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, POLICY.replace('[none, sse-elasticache, sse-kms]', '[sse-elasticache, sse-kms]'));
    const report = join(dir, 'strict.json');
    const scanned = await cli([
      'scan',
      ...live(),
      '--policy',
      strict,
      '--format',
      'json',
      '--output',
      report,
    ]);

    // Act: the same fleet under the policy that allows none
    const result = await drift(['--baseline', report]);

    // Assess
    expect(scanned.code).toBe(EXIT.violations);
    expect(result.rows).toEqual([expect.objectContaining({ kind: 'resolved', resourceId: 'sessions' })]);
    expect(result.code).toBe(EXIT.compliant);
  });

  it('reads a report written before reports kept resources from its findings', async () => {
    // Prepare
    const [, report = ''] = await baselines.report();
    const { resources: _resources, ...older } = JSON.parse(readFileSync(report, 'utf8')) as {
      resources?: unknown;
    };
    writeFileSync(report, JSON.stringify(older));
    const same = await drift(['--baseline', report]);
    stack.emulator.model.putGroup(groupState('orders', { kmsKeyId: KEY_B }));

    // Act
    const changed = await drift(['--baseline', report]);

    // Assess
    expect(same).toEqual({ code: EXIT.compliant, rows: [], err: '' });
    expect(changed.rows).toEqual([
      {
        kind: 'drift',
        resourceType: 'replication-group',
        resourceId: 'orders',
        before: `sse-kms (${KEY_A})`,
        now: `sse-kms (${KEY_B})`,
        cause: 'no known cause',
      },
    ]);
  });
});
