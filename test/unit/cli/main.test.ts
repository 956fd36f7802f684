import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
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

  describe('errors that say what to do', () => {
    it.each([
      [
        'no region',
        Object.assign(new Error('Region is missing'), { name: 'Error' }),
        /no AWS region: pass --region .* or set AWS_REGION/,
      ],
      [
        'no credentials',
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
        /no AWS credentials found: pass --profile NAME .* AWS_ACCESS_KEY_ID/,
      ],
    ])('names the flag and the variables for %s (exit 2, one line)', async (_, failure, message) => {
      // Prepare
      elasticache.onAnyCommand().rejects(failure);
      const io = captureIo();

      // Act
      const code = await runCli(['scan', '--policy', policyPath], io);

      // Assess
      expect(code).toBe(EXIT.usage);
      expect(io.err()).toMatch(message);
      expect(io.err().trim().split('\n')).toHaveLength(1);
    });

    it('names a missing policy file and the default', async () => {
      const io = captureIo();

      const code = await runCli(['scan', '--policy', '/nonexistent/policy.yaml'], io);

      expect(code).toBe(EXIT.usage);
      expect(io.err()).toBe(
        'guardrails: policy file /nonexistent/policy.yaml does not exist: pass --policy FILE (without --policy the default policy, infra/policy.default.yaml, is used)\n',
      );
    });

    it('reads AWS_REGION as --region is read: a malformed one is a usage error naming the variable', async () => {
      vi.stubEnv('AWS_REGION', 'us east 1');
      const io = captureIo();

      const code = await runCli(['scan', '--policy', policyPath], io);

      expect(code).toBe(EXIT.usage);
      expect(io.err()).toBe(
        'guardrails: invalid environment: AWS_REGION: "us east 1" is not a region; did you mean us-east-1? (got "us east 1")\n',
      );
      expect(elasticache.calls()).toHaveLength(0);
    });

    it('takes an empty STATE_TABLE for an unset one', async () => {
      vi.stubEnv('STATE_TABLE', '');
      const io = captureIo();

      const code = await runCli(['migration', 'status', 'orders'], io);

      expect(code).toBe(EXIT.usage);
      expect(io.err()).toBe('guardrails: give --table or set STATE_TABLE\n');
    });

    it("prints the package's version with --version", async () => {
      const io = captureIo();
      const { version } = JSON.parse(
        await readFile(new URL('../../../package.json', import.meta.url), 'utf8'),
      ) as {
        version: string;
      };

      const code = await runCli(['--version'], io);

      expect(code).toBe(EXIT.compliant);
      expect(io.out().trim()).toBe(version);
    });

    it('lists --debug in the help of every command', async () => {
      const io = captureIo();

      await runCli(['snapshot', 'list', '--help'], io);

      expect(io.out()).toContain('--debug');
    });
  });
});
