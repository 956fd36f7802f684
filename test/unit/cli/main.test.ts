import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT, runCli } from '../../../shared/cli/main.js';
import { captureIo } from '../../cli-io.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    durability: { minimum: sync }
`;

describe('Function: runCli', () => {
  const elasticache = mockClient(ElastiCacheClient);
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);
  let policyPath: string;

  beforeEach(async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    policyPath = join(await mkdtemp(join(tmpdir(), 'guardrails-cli-')), 'policy.yaml');
    await writeFile(policyPath, POLICY);
    elasticache.onAnyCommand().resolves({});
    tagging.on(GetResourcesCommand).resolves({});
  });

  afterEach(() => {
    elasticache.reset();
    tagging.reset();
    vi.unstubAllEnvs();
  });

  describe('--endpoint-url and --region', () => {
    it.each([
      ['--endpoint-url', 'ftp://localhost:4566'],
      ['--endpoint-url', 'localhost:4566'],
      ['--endpoint-url', 'not a url'],
      ['--endpoint-url', 'http://'],
      ['--region', 'us east 1'],
      ['--region', '../x'],
      ['--region', 'US-EAST-1'],
      ['--region', 'useast1'],
    ])('refuses %s %j as a usage error (exit 2) naming the flag, before any call', async (flag, value) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await runCli(['scan', '--policy', policyPath, flag, value], io);

      // Assess
      expect(code).toBe(EXIT.usage);
      expect(io.err()).toMatch(new RegExp(`^guardrails: ${flag} `));
      expect(elasticache).not.toHaveReceivedCommand(DescribeReplicationGroupsCommand);
    });

    it.each([
      ['--endpoint-url', 'http://localhost:4566'],
      ['--endpoint-url', 'https://elasticache.eu-west-1.amazonaws.com'],
      ['--region', 'eu-west-1'],
      ['--region', 'us-gov-west-1'],
    ])('accepts %s %s', async (flag, value) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await runCli(['scan', '--policy', policyPath, flag, value], io);

      // Assess
      expect(io.err()).toBe('');
      expect(code).toBe(EXIT.compliant);
    });

    it('shows at most 80 characters of a huge value', async () => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await runCli(['snapshot', 'list', '--region', 'x'.repeat(300_000)], io);

      // Assess
      expect(code).toBe(EXIT.usage);
      expect(io.err().length).toBeLessThan(300);
      expect(io.err()).toContain('… (300000 chars)');
    });
  });

  describe('values echoed in errors', () => {
    const huge = 'x'.repeat(300_000);

    it.each([
      [
        '--resource',
        (input: string) => [
          'policy',
          'explain',
          '--policy',
          policyPath,
          '--input',
          input,
          '--resource',
          huge,
        ],
      ],
      ['--retention-days', () => ['snapshot', 'cleanup', '--retention-days', huge]],
    ])('shows at most 80 characters of a 300 KB %s', async (_flag, args) => {
      // Prepare
      const io = captureIo();
      const input = join(await mkdtemp(join(tmpdir(), 'guardrails-cli-')), 'groups.json');
      await writeFile(input, JSON.stringify({ ReplicationGroups: [] }));

      // Act
      const code = await runCli(args(input), io);

      // Assess
      expect(code).toBe(EXIT.usage);
      expect(io.err().length).toBeLessThan(300);
      expect(io.err()).toContain('… (300000 chars)');
    });
  });
});
