import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { runSandboxCli } from '../../../infra/local/cli.js';
import { seedFleet } from '../../../infra/local/emulator/fleet.js';
import { captureIo } from '../../cli-io.js';
import { type Stack, startStack } from '../harness.js';

/** Three checks a group can fail, so reasons and actions are as long as a real fleet's. */
const POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], engines: [valkey], tags: { env: prod } }
    durability: { minimum: async, set: async }
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-kms] }
`;

interface JsonFinding {
  resourceId: string;
  status: string;
  reason: string;
  notes?: string[];
}

let stack: Stack;
let policyPath: string;

async function scan(args: string[], columns?: number) {
  const io = captureIo(columns === undefined ? {} : { columns });
  const code = await runSandboxCli(
    ['scan', '--endpoint-url', stack.emulator.endpoint, '--policy', policyPath, ...args],
    io,
  );
  return { code, out: io.out() };
}

/** What a reason looks like in the table: the finding's reason and its notes. */
const shownReason = (finding: JsonFinding) =>
  finding.notes === undefined || finding.notes.length === 0
    ? finding.reason
    : `${finding.reason} (${finding.notes.join('; ')})`;

/** The table's text with every run of white space made one space: a wrapped reason reads whole. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  seedFleet(stack.emulator.model, stack.emulator.clock, { groups: 40, serverless: 6, seed: 30 });
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-width-'));
  policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterAll(async () => {
  await stack.close();
});

describe('scan --format table on a terminal', () => {
  it.each([80, 120, 200])('fits %i columns and shows every violation reason in full', async (columns) => {
    // Prepare
    const { out: json } = await scan(['--format', 'json', '--status', 'violation']);
    const violations = (JSON.parse(json) as { findings: JsonFinding[] }).findings;
    expect(violations.length).toBeGreaterThan(5);
    expect(Math.max(...violations.map((finding) => shownReason(finding).length))).toBeGreaterThan(
      columns / 2,
    );

    // Act
    const { code, out } = await scan(['--format', 'table'], columns);

    // Assess
    expect(code).toBe(EXIT.violations);
    const lines = out.trimEnd().split('\n');
    expect(lines.filter((line) => line.length > columns)).toEqual([]);
    const text = flat(out);
    const missing = violations.filter((finding) => !text.includes(flat(shownReason(finding))));
    expect(missing.map((finding) => finding.resourceId)).toEqual([]);
  });

  it('says once what the filter makes the same on every row, and abbreviates resource types', async () => {
    const { out } = await scan(['--format', 'table', '--status', 'violation'], 120);

    const lines = out.trimEnd().split('\n');
    expect(lines.filter((line) => line.length > 120)).toEqual([]);
    expect(lines[0]).toContain('every row: status violation');
    expect(out).not.toContain('replication-group');
  });

  it('keeps the full text when piped', async () => {
    const { out } = await scan(['--format', 'table']);

    expect(out).toContain('replication-group');
    expect(out.split('\n')[0]).toMatch(/^resourceType\s+resourceId\s+rule\s+check\s+status/);
  });
});
