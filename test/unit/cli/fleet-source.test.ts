import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadFleet } from '../../../cli/fleet-source.js';
import { EXIT, runCli } from '../../../cli/main.js';
import { InputValidationError } from '../../../shared/runtime/errors.js';
import { captureIo } from '../../cli-io.js';

const arn = (id: string) => `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`;
const group = (id: string, extra: Record<string, unknown> = {}) => ({
  ReplicationGroupId: id,
  ARN: arn(id),
  Status: 'available',
  Engine: 'valkey',
  ReplicationGroupCreateTime: '2024-05-01T12:00:00.123000+00:00',
  NodeGroups: [{ NodeGroupId: '0001', NodeGroupMembers: [{ CacheClusterId: `${id}-001` }] }],
  ...extra,
});

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'guardrails-input-'));
});

/** Write a describe/get-resources output file and return its path. */
async function saved(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The message of the InputValidationError loadFleet raises, or a failed test if it reads the fleet. */
async function errorOf(input: string[], tags?: string): Promise<string> {
  const error = await loadFleet({ input, tags }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputValidationError);
  return (error as Error).message;
}

describe('Function: loadFleet (offline)', () => {
  it('reads well-formed describe output, times included', async () => {
    // Prepare
    const input = await saved('groups.json', { ReplicationGroups: [group('orders-1')] });

    // Act
    const fleet = await loadFleet({ input: [input] });

    // Assess
    expect(fleet).toMatchObject([
      { id: 'orders-1', createdAt: '2024-05-01T12:00:00.123Z', shards: 1, minReplicasPerShard: 0 },
    ]);
  });

  it.each([
    [
      'NodeGroups that is not an array',
      { ReplicationGroups: [group('a'), group('b'), group('c'), group('d', { NodeGroups: 'x' })] },
      /^groups\.json: ReplicationGroups\[3\]\.NodeGroups: expected array, got "x"$/,
    ],
    [
      'a creation time that is not a time',
      { ReplicationGroups: [group('a', { ReplicationGroupCreateTime: 'yesterday' })] },
      /^groups\.json: ReplicationGroups\[0\]\.ReplicationGroupCreateTime: expected a date-time .*, got "yesterday"$/,
    ],
    [
      'an engine that is not a string',
      { ReplicationGroups: [group('a', { Engine: 7 })] },
      /^groups\.json: ReplicationGroups\[0\]\.Engine: expected string, got 7$/,
    ],
    [
      'a shard whose members are not a list',
      { ReplicationGroups: [group('a', { NodeGroups: [{ NodeGroupMembers: 3 }] })] },
      /^groups\.json: ReplicationGroups\[0\]\.NodeGroups\[0\]\.NodeGroupMembers: expected array, got 3$/,
    ],
    [
      'pending modifications that are not an object',
      { ReplicationGroups: [group('a', { PendingModifiedValues: 'yes' })] },
      /^groups\.json: ReplicationGroups\[0\]\.PendingModifiedValues: expected object, got "yes"$/,
    ],
    [
      'a serverless cache with a numeric creation time',
      { ServerlessCaches: [{ ServerlessCacheName: 's', CreateTime: 12 }] },
      /^groups\.json: ServerlessCaches\[0\]\.CreateTime: expected string, got 12$/,
    ],
    ['a JSON array', [group('a')], /^groups\.json: expected object, got \[/],
  ])('names the field of %s', async (_case, content, message) => {
    // Prepare
    const input = await saved('groups.json', content);

    // Act
    const error = await errorOf([input]);

    // Assess
    expect(error.replace(dir, '').replace(/^\//, '')).toMatch(message);
  });

  it('names the field of a tags file whose Tags are not a list', async () => {
    // Prepare
    const input = await saved('groups.json', { ReplicationGroups: [group('a')] });
    const tags = await saved('tags.json', {
      ResourceTagMappingList: [{ ResourceARN: arn('a'), Tags: 'env' }],
    });

    // Act
    const error = await errorOf([input], tags);

    // Assess
    expect(error).toBe(`${tags}: ResourceTagMappingList[0].Tags: expected array, got "env"`);
  });

  it('lists at most 10 problems of a file with many', async () => {
    // Prepare
    const groups = Array.from({ length: 500 }, (_, index) => group(`g${index}`, { Engine: index }));
    const input = await saved('groups.json', { ReplicationGroups: groups });

    // Act
    const error = await errorOf([input]);

    // Assess
    expect(error.split('\n')).toHaveLength(11);
    expect(error).toMatch(/\(and 490 more\)$/);
  });
});

describe('Command: scan --input', () => {
  it('exits 2 with the field path on stderr, never an internal message', async () => {
    // Prepare
    const input = await saved('groups.json', { ReplicationGroups: [group('a', { NodeGroups: { x: 1 } })] });
    const io = captureIo();

    // Act
    const code = await runCli(['scan', '--input', input], io);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(io.err()).toBe(
      `guardrails: ${input}: ReplicationGroups[0].NodeGroups: expected array, got {"x":1}\n`,
    );
  });
});
