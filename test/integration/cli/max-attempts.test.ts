/** The CLI honours AWS_MAX_ATTEMPTS, as the README says every client does. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { type Emulator, startEmulator } from '../../../infra/local/emulator/server.js';
import { captureIo } from '../../cli-io.js';

let emulator: Emulator;
let policy = '';

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY = 'sandbox';
  emulator = await startEmulator();
  policy = join(mkdtempSync(join(tmpdir(), 'guardrails-attempts-')), 'policy.yaml');
  writeFileSync(policy, 'version: 1\nrules:\n  - { name: r, durability: { minimum: sync } }\n');
});
afterAll(() => emulator.close());
afterEach(() => {
  delete process.env.AWS_MAX_ATTEMPTS;
});

describe('AWS_MAX_ATTEMPTS', () => {
  it.each([
    ['1', 1],
    ['3', 3],
  ])('=%s makes a throttled read try %i times before the CLI gives up', async (attempts, expected) => {
    // Prepare: every DescribeReplicationGroups is throttled.
    process.env.AWS_MAX_ATTEMPTS = attempts;
    emulator.faults.reset();
    emulator.faults.failNext({
      action: 'DescribeReplicationGroups',
      code: 'Throttling',
      status: 400,
      times: 10,
    });
    const io = captureIo();

    // Act
    const code = await runCli(
      ['scan', '--policy', policy, '--endpoint-url', emulator.endpoint, '--region', 'us-east-1'],
      io,
    );

    // Assess
    expect(code).toBe(EXIT.aws);
    const reads = emulator.faults.log.filter((entry) => entry.action === 'DescribeReplicationGroups');
    expect(reads).toHaveLength(expected);
  });
});
